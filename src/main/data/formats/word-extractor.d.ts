/** The part of word-extractor's API (it ships no types) that the .doc reader uses. */
declare module 'word-extractor' {
  interface TextOptions {
    /** true (the default) turns curly quotes and dashes into ASCII; the corpus keeps them. */
    filterUnicode?: boolean;
  }
  interface WordDocument {
    getBody(options?: TextOptions): string;
    getFootnotes(options?: TextOptions): string;
    getEndnotes(options?: TextOptions): string;
  }
  export default class WordExtractor {
    extract(source: string | Buffer): Promise<WordDocument>;
  }
}
