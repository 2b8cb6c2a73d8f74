import { describe, expect, it } from "vitest";
import { foldForMatching, normalizeText, paragraphIdOf } from "../pipeline/text.js";

describe("normalizeText", () => {
  it("applies NFKC, drops invisible format characters and collapses whitespace", () => {
    expect(normalizeText("  Carrie\u200b  und\u00a0\tBig\u202e \n")).toBe("Carrie und Big");
    expect(normalizeText("ﬁn")).toBe("fin");
  });

  it("is NFKC, invisible characters dropped, whitespace runs collapsed and trimmed, whatever whitespace the text has", () => {
    const definition = (text: string) =>
      text.normalize("NFKC").replace(/[\u00AD\u200B\u200E\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/g, "").replace(/\s+/gu, " ").trim();
    for (const text of ["Carrie und Big", " Carrie und Big ", "Carrie  und", "Carrie\tund", "a\u200b b", "a \u200bb", "a\u3000b", "a\u2028b", "\u00a0a", "a\u00ad \u00adb", "", " "]) {
      expect(normalizeText(text)).toBe(definition(text));
    }
  });
});

describe("paragraphIdOf", () => {
  it("is 16 hex digits derived from the text alone", () => {
    expect(paragraphIdOf("Carrie")).toMatch(/^[0-9a-f]{16}$/);
    expect(paragraphIdOf("Carrie")).toBe(paragraphIdOf("Carrie"));
    expect(paragraphIdOf("Carrie")).not.toBe(paragraphIdOf("Carrie."));
  });
});

describe("foldForMatching", () => {
  it("lower-cases, strips Latin diacritics and transliterates Greek and Cyrillic", () => {
    expect(foldForMatching("Größe, Café!")).toBe(" grosse cafe ");
    expect(foldForMatching("Αλεξάντερ")).toBe(" alexander ");
    expect(foldForMatching("Μπιγκ")).toBe(" big ");
    expect(foldForMatching("Александр Петровский")).toBe(" aleksandr petrovskii ");
  });

  it("keeps the marks that belong to other scripts' letters", () => {
    expect(foldForMatching("ビッグ")).toBe(" ビッグ ");
    expect(foldForMatching("कैरी और बिग")).toBe(" कैरी और बिग ");
    expect(foldForMatching("แคร์รี่")).toBe(" แคร์รี่ ");
  });

  it("drops Hebrew and Arabic vowel points, which most text leaves out", () => {
    expect(foldForMatching("שָׁלוֹם קארי")).toBe(" שלום קארי ");
    expect(foldForMatching("كَارِي")).toBe(" كاري ");
  });

  // The definition, one regular expression per step over the whole text: what the
  // character table and the single pass over its output must reproduce exactly.
  const greekDigraphs: Array<[RegExp, string]> = [
    [/ου/g, "u"], [/αι/g, "e"], [/ει|οι/g, "i"], [/(^|\s)μπ/g, "$1b"], [/μπ/g, "mb"], [/(^|\s)ντ/g, "$1d"], [/ντ/g, "nd"], [/γγ/g, "ng"], [/γκ/g, "g"],
  ];
  const latin: Record<string, string> = {
    α: "a", β: "v", γ: "g", δ: "d", ε: "e", ζ: "z", η: "i", θ: "th", ι: "i", κ: "k", λ: "l", μ: "m", ν: "n", ξ: "x", ο: "o", π: "p",
    ρ: "r", σ: "s", ς: "s", τ: "t", υ: "y", φ: "f", χ: "ch", ψ: "ps", ω: "o", а: "a", б: "b", в: "v", г: "g", д: "d", е: "e", ё: "e",
    ж: "zh", з: "z", и: "i", й: "i", к: "k", л: "l", м: "m", н: "n", о: "o", п: "p", р: "r", с: "s", т: "t", у: "u", ф: "f", х: "kh",
    ц: "ts", ч: "ch", ш: "sh", щ: "shch", ъ: "", ы: "y", ь: "", э: "e", ю: "yu", я: "ya", і: "i", ї: "i", є: "e", ґ: "g",
  };
  const definition = (text: string) => {
    let folded = text.normalize("NFKC").toLowerCase().normalize("NFD").replace(/[\u0300-\u036F]+/g, "").normalize("NFC").replace(/ß/g, "ss");
    for (const [pattern, replacement] of greekDigraphs) folded = folded.replace(pattern, replacement);
    folded = folded.replace(/[\u0370-\u03FF\u0400-\u04FF]/gu, (letter) => latin[letter] ?? letter);
    folded = folded.replace(/[\u0591-\u05BD\u05BF\u05C1\u05C2\u05C4\u05C5\u05C7\u064B-\u065F\u0670]/gu, "");
    return ` ${folded.replace(/[^\p{L}\p{N}\p{M}]+/gu, " ").trim()} `;
  };
  const tricky = [
    // Greek: digraphs at word starts, inside words, overlapping (γγγ, γγκ), accents, final sigma, polytonic, the micro sign
    "Μπαρ ντουλάπα, Αμπέλι, πέντε, Άγγελος, αγγγκ, ΟΥΡΑΝΟΣ, είναι, οι μπ ντ, ΣΟΦΙΑΣ Σ, ᾼ ᾳ ῷ ΐ ΰ, µπ, \u03bc\u0301\u03c0",
    // Cyrillic, hard and soft signs beside spaces, Ukrainian letters, decomposed accents
    "Щука, объект ъ ь, Ёлка, Її Ґ, И\u0306 й, Ѣ ѣ",
    // Latin accents precomposed and decomposed, ß and ẞ, dotted capital I, ligatures, fractions, compatibility forms
    "Café Cafe\u0301 Größe GROẞE İstanbul ﬁn ﬂ ½ ² ™ Ⅻ ＡＢＣ ｶﾞ ｱ ℃ Ǆ ǆ Ø\u0301",
    // CJK, kana with combining voicing marks, Hangul syllables and jamo, Devanagari, Thai, astral letters, emoji
    "日本語のテキスト か\u3099 ビッグ 한국어 \u1100\u1161\u11a8 हिन्दी ไทย 𝐀𝐁 😀 𠀀",
    // Hebrew with points and a maqaf, Arabic with harakat and tatweel
    "שָׁלוֹם בֵּית־סֵפֶר כָּרִי, كَارِي بِيغ ـــ",
    // invisible format characters, odd whitespace, punctuation runs, nothing at all
    "a\u200bb a\u00adb a\u2028b a\u3000b —“»«”— , . ! \u0483 \ufeffx",
    "",
    "!!!",
  ];

  it("is what its definition says, on tricky text", () => {
    for (const text of tricky) expect(foldForMatching(text)).toBe(definition(text));
  });

  it("is what its definition says for every pair of tricky characters, and for random strings of them", () => {
    const characters = [..."aZßẞİıéÉøØŒﬁ½²ÅΣσςαΑάουιμπντγκΜΠΝΤΓΚЖжщъЬё\u0301\u0308\u0345 \t\u00a0\u200b,.-カか\u3099ｶﾞ日한𝐀"];
    for (const first of characters) for (const second of characters) expect(foldForMatching(first + second)).toBe(definition(first + second));
    let seed = 1;
    const random = () => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;
    for (let n = 0; n < 20_000; n++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 8) }, () => characters[Math.floor(random() * characters.length)]).join("");
      expect(foldForMatching(text)).toBe(definition(text));
    }
  });
});
