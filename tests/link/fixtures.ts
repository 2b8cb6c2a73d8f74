import type { Catalog, Episode } from "../../schemas/catalog.js";
import type { Calibration } from "../../pipeline/link/calibration.js";
import { indexCatalog } from "../../pipeline/link/catalog-index.js";
import type { Linker } from "../../pipeline/link/decide.js";

/** A small catalog for the linker's tests: a few episodes with anchors in several languages. */
export function episode(season: number, number: number, anchors: string[][], characters: string[] = [], titles: string[] = []): Episode {
  const code = `S${String(season).padStart(2, "0")}E${String(number).padStart(2, "0")}`;
  return {
    season,
    episode: number,
    code,
    title: `Title ${code}`,
    titles,
    airDate: "2000-01-01",
    synopsis: "A synopsis long enough for the schema.",
    characters,
    anchors: anchors.map((terms, index) => ({ label: `anchor ${index} of ${code}`, terms })),
  };
}

export const testCatalog: Catalog = {
  version: "test",
  series: "Sex and the City",
  characters: [
    { id: "carrie", name: "Carrie", variants: ["Carrie", "Κάρι", "קארי"], lead: true },
    { id: "aleksandr", name: "Aleksandr Petrovsky", variants: ["Aleksandr", "Alexandr", "Αλεξάντερ", "Petrovsky"], lead: false },
    { id: "aidan", name: "Aidan", variants: ["Aidan", "Aiden"], lead: false },
    { id: "lexi", name: "Lexi Featherston", variants: ["Lexi", "レキシー", "לקסי"], lead: false },
  ],
  arcs: [{ characterId: "aidan", description: "Carrie dates Aidan", from: "S03E01", to: "S03E02" }],
  nonEpisodeCues: [{ kind: "film", label: "the films", terms: { de: ["der Film"], en: ["the movie"], ja: ["映画"], he: ["הסרט"] } }],
  episodes: [
    episode(3, 1, [["feuerwehr", "firem", "pompier"], ["staten island"], ["calendar", "kalender"]]),
    episode(3, 2, [["comptroller", "rechnungspr"], ["golden shower"], ["wahlkampf", "campaign"]]),
    episode(6, 17, [["exhibit", "ausstellung", "esposizion"], ["brooklyn"], ["tabloid", "klatschblatt"]], ["aleksandr"]),
    episode(6, 18, [["vogue"], ["window", "fenster", "ikkun", "finestra", "חלון"], ["vibrat", "hieromasau"]], ["aleksandr", "lexi"], ["Splat im Glas"]),
  ],
};

/** A calibration that rises with evidence and facts, for tests (the four episodes give small weights: ln 4 at most). */
export const testCalibration: Calibration = {
  signals: ["bias", "evidence", "margin", "facts", "named", "framing", "context", "rivals"],
  coefficients: [-2, 0.5, 0.5, 1, 1.5, -1.5, 0.3, -0.8],
  threshold: 0.5,
  fittedOn: "tests",
};

export const testLinker: Linker = { index: indexCatalog(testCatalog), calibration: testCalibration };
