import { describe, expect, it } from "vitest";
import { CharacterTrie, SubstringFinder } from "../../pipeline/link/char-trie.js";

const walk = (trie: CharacterTrie, text: string) => {
  let node = 0;
  for (let i = 0; i < text.length && node >= 0; i++) node = trie.child(node, text.charCodeAt(i));
  return node;
};

describe("CharacterTrie", () => {
  const keys = ["feuer", "feuerwehr", "fest", "f", "ビッグ", "staten island", "αλεξ"];
  const trie = new CharacterTrie(keys);

  it("ends each key's walk at its own node, and nothing else there", () => {
    keys.forEach((key, index) => expect(walk(trie, key)).toBe(trie.endNodes[index]));
    expect(new Set(trie.endNodes).size).toBe(keys.length);
    for (const node of trie.endNodes) expect(node).toBeLessThan(trie.nodeIdLimit);
  });

  it("ends walks along other text, and along code units no key uses", () => {
    expect(walk(trie, "feuerwehrmann")).toBe(-1);
    expect(walk(trie, "fx")).toBe(-1);
    expect(walk(trie, "feu")).toBeGreaterThan(0);
    expect(walk(trie, "\u0000")).toBe(-1);
    expect(walk(trie, "ビ")).toBeGreaterThan(0);
  });
});

describe("SubstringFinder", () => {
  it("finds exactly the keys that String.includes finds", () => {
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;
    const text = (length: number) => Array.from({ length }, () => "ab c"[Math.floor(random() * 4)]).join("");
    for (let round = 0; round < 200; round++) {
      const keys = [...new Set(Array.from({ length: 20 }, () => text(1 + Math.floor(random() * 5))))];
      const finder = new SubstringFinder(keys);
      const haystack = text(Math.floor(random() * 40));
      expect([...finder.find(haystack)].sort()).toEqual(keys.filter((key) => haystack.includes(key)).sort());
    }
  });
});
