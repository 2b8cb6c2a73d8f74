import type { Catalog } from "../../schemas/catalog.js";
import type { EpisodeRow } from "../../schemas/records.js";

/** How many paragraphs were linked to each episode, per language: the catalog as a dataset. */
export class EpisodeTally {
  /** Episode code → language → linked paragraphs. */
  readonly counts = new Map<string, Map<string, number>>();

  add({ episodeCode, language }: { episodeCode: string | null; language: string }): void {
    if (episodeCode === null) return;
    const byLanguage = this.counts.get(episodeCode) ?? new Map<string, number>();
    this.counts.set(episodeCode, byLanguage);
    byLanguage.set(language, (byLanguage.get(language) ?? 0) + 1);
  }

  rows(catalog: Catalog): EpisodeRow[] {
    return [...catalog.episodes]
      .sort((a, b) => (a.code < b.code ? -1 : 1))
      .map((episode) => {
        const byLanguage = [...(this.counts.get(episode.code) ?? new Map<string, number>())].sort(([a], [b]) => (a < b ? -1 : 1));
        return {
          season: episode.season,
          episode: episode.episode,
          episodeCode: episode.code,
          title: episode.title,
          airDate: episode.airDate,
          paragraphCount: byLanguage.reduce((sum, [, count]) => sum + count, 0),
          paragraphsByLanguage: byLanguage.map(([language, paragraphs]) => ({ language, paragraphs })),
        };
      });
  }
}
