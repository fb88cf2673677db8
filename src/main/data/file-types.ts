/**
 * What a file's name says about it: which kind of document it is, why the corpus skips it, or
 * that the name says nothing (no extension, or one like ".0", ".v2", ".LICENSE") so that its
 * first bytes must tell (sniff.ts). Source code is recognised by extension; folders of
 * dependencies, build output and version control are skipped whole, so a checkout with
 * node_modules costs one line in the skip list.
 */

export type DocumentKind = 'text' | 'markdown' | 'code' | 'jsonl' | 'pdf' | 'html' | 'docx' | 'doc' | 'odt' | 'rtf' | 'epub';

export type FileClass = { kind: DocumentKind } | { skip: string };
/** What the name alone says: a class, or that the content must be looked at. */
export type NameClass = FileClass | { sniff: true };

const TEXT = ['txt', 'text', 'rst', 'tex', 'ltx', 'bib', 'org', 'adoc', 'asciidoc', 'textile', 'wiki', 'mediawiki'];
const MARKDOWN = ['md', 'markdown', 'mdown', 'mkd', 'mdx'];
const JSONL = ['jsonl', 'ndjson'];
const CODE = [
  // General-purpose languages
  'py',
  'pyi',
  'js',
  'mjs',
  'cjs',
  'jsx',
  'ts',
  'mts',
  'cts',
  'tsx',
  'java',
  'kt',
  'kts',
  'scala',
  'groovy',
  'c',
  'h',
  'cc',
  'cpp',
  'cxx',
  'hpp',
  'hh',
  'hxx',
  'inl',
  'cs',
  'fs',
  'fsx',
  'fsi',
  'go',
  'rs',
  'swift',
  'm',
  'mm',
  'rb',
  'php',
  'pl',
  'pm',
  'lua',
  'r',
  'jl',
  'dart',
  'zig',
  'nim',
  'cr',
  'd',
  'v',
  'sv',
  'vhd',
  'vhdl',
  'f',
  'f90',
  'f95',
  'f03',
  'for',
  'pas',
  'ada',
  'adb',
  'ads',
  'asm',
  's',
  'cob',
  'cbl',
  // Functional languages and proof assistants (math corpora)
  'hs',
  'lhs',
  'ml',
  'mli',
  'ex',
  'exs',
  'erl',
  'hrl',
  'clj',
  'cljs',
  'cljc',
  'lisp',
  'lsp',
  'el',
  'scm',
  'rkt',
  'lean',
  'agda',
  'idr',
  'thy',
  'coq',
  'mg',
  'sage',
  'gp',
  'mac',
  'wl',
  // Shell, build and query languages
  'sh',
  'bash',
  'zsh',
  'fish',
  'ps1',
  'psm1',
  'bat',
  'cmd',
  'sql',
  'cmake',
  'mk',
  'make',
  'gradle',
  'nix',
  'tf',
  // Web, markup and configuration that people write by hand (HTML has its own kind: see html-reading)
  'css',
  'scss',
  'sass',
  'less',
  'vue',
  'svelte',
  'xml',
  'xsl',
  'svg',
  'yaml',
  'yml',
  'toml',
  'ini',
  'cfg',
  'conf',
  'proto',
  'graphql',
  'gql',
  'thrift',
];
/** Extensionless files that are text by convention. */
const KNOWN_NAMES: Record<string, DocumentKind> = {
  makefile: 'code',
  dockerfile: 'code',
  gemfile: 'code',
  rakefile: 'code',
  jenkinsfile: 'code',
  vagrantfile: 'code',
  readme: 'text',
  license: 'text',
  licence: 'text',
  copying: 'text',
  notice: 'text',
  authors: 'text',
  changelog: 'text',
};

const BINARY = [
  'png',
  'jpg',
  'jpeg',
  'gif',
  'bmp',
  'ico',
  'icns',
  'tif',
  'tiff',
  'webp',
  'psd',
  'heic',
  'mp3',
  'wav',
  'flac',
  'ogg',
  'm4a',
  'mp4',
  'mov',
  'avi',
  'mkv',
  'webm',
  'zip',
  'gz',
  'tgz',
  'bz2',
  'xz',
  'zst',
  '7z',
  'rar',
  'tar',
  'jar',
  'war',
  'whl',
  'egg',
  'deb',
  'rpm',
  'dmg',
  'iso',
  'exe',
  'dll',
  'so',
  'dylib',
  'o',
  'obj',
  'a',
  'lib',
  'class',
  'pyc',
  'pyo',
  'wasm',
  'bin',
  'db',
  'sqlite',
  'woff',
  'woff2',
  'ttf',
  'otf',
  'eot',
  'safetensors',
  'gguf',
  'pt',
  'pth',
  'ckpt',
  'onnx',
  'npy',
  'npz',
  'h5',
  'pkl',
];
/** Office files that are not text documents: their content is cells or slides. */
const NOT_TEXT_DOCUMENTS = ['xls', 'xlsx', 'xlsm', 'ppt', 'pptx', 'ods', 'odp', 'odg', 'numbers', 'pages'];
/** Keys and certificates: secrets, never training text. */
const KEYS = ['pem', 'key', 'crt', 'cer', 'der', 'p12', 'pfx', 'jks', 'keystore', 'gpg', 'asc'];
/** Structured data: records, not prose or source. */
const DATA = ['json', 'csv', 'tsv', 'parquet', 'arrow', 'feather', 'avro', 'orc'];
const DOCUMENTS: Record<string, DocumentKind> = {
  pdf: 'pdf',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  docx: 'docx',
  doc: 'doc',
  odt: 'odt',
  rtf: 'rtf',
  epub: 'epub',
};
const LOCK_FILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'cargo.lock',
  'poetry.lock',
  'pipfile.lock',
  'gemfile.lock',
  'composer.lock',
  'go.sum',
  'flake.lock',
  'packages.lock.json',
  'podfile.lock',
  'mix.lock',
]);
/** Naming conventions of code generators (protobuf, Flutter, WinForms, ...). */
const GENERATED_NAME = /(_pb2(_grpc)?\.py|\.pb\.(go|cc|h)|\.g\.dart|\.designer\.cs|[._-]generated\.[a-z]+)$/i;
const MINIFIED_NAME = /[.-]min\.(js|mjs|css)$/i;

const FOLDER_REASONS: Record<string, string> = {
  '.git': 'version-control folder',
  '.hg': 'version-control folder',
  '.svn': 'version-control folder',
  node_modules: 'vendored dependencies',
  bower_components: 'vendored dependencies',
  vendor: 'vendored dependencies',
  third_party: 'vendored dependencies',
  'third-party': 'vendored dependencies',
  'site-packages': 'vendored dependencies',
  venv: 'Python virtual environment',
  '.venv': 'Python virtual environment',
  __pycache__: 'compiled Python cache',
  dist: 'build output',
  build: 'build output',
  target: 'build output',
};

const kindByExtension = new Map<string, DocumentKind>([
  ...CODE.map((e) => [e, 'code'] as const),
  ...TEXT.map((e) => [e, 'text'] as const),
  ...MARKDOWN.map((e) => [e, 'markdown'] as const),
  ...JSONL.map((e) => [e, 'jsonl'] as const),
  ...Object.entries(DOCUMENTS),
]);
const binaryExtensions = new Set(BINARY);
const notTextDocuments = new Set(NOT_TEXT_DOCUMENTS);
const keyExtensions = new Set(KEYS);
const dataExtensions = new Set(DATA);

/** Why a folder with this name is not read, or null to read it. Hidden folders (.idea, .cache) hold tool state, not documents. */
export function folderSkipReason(name: string): string | null {
  const reason = FOLDER_REASONS[name.toLowerCase()];
  if (reason) return `${reason} (${name})`;
  if (name.startsWith('.')) return 'hidden folder';
  return null;
}

export function classifyFileName(name: string): NameClass {
  const lower = name.toLowerCase();
  // .env, .npmrc, .DS_Store: tool settings (sometimes secrets), never documents.
  if (lower.startsWith('.')) return { skip: 'hidden file' };
  if (LOCK_FILES.has(lower) || lower.endsWith('.lock')) return { skip: 'lock file' };
  if (MINIFIED_NAME.test(lower)) return { skip: 'minified file' };
  if (GENERATED_NAME.test(lower)) return { skip: 'generated file' };
  const dot = lower.lastIndexOf('.');
  const ext = dot > 0 ? lower.slice(dot + 1) : '';
  if (ext === '') {
    const known = KNOWN_NAMES[lower];
    return known ? { kind: known } : { sniff: true };
  }
  const kind = kindByExtension.get(ext);
  if (kind) return { kind };
  if (binaryExtensions.has(ext)) return { skip: `binary file type (.${ext})` };
  if (keyExtensions.has(ext)) return { skip: `key or certificate file (.${ext}), never used for training` };
  if (notTextDocuments.has(ext)) return { skip: `spreadsheet or slides (.${ext}), not a text document; save the text you need as .docx or .txt` };
  if (dataExtensions.has(ext))
    return { skip: `data file (.${ext}), not documents; to train on its records, convert them to JSON Lines (.jsonl) with a "text" field` };
  // README.txt-style names were handled by extension; LICENSE-MIT, COPYING.LESSER and the like land here.
  const stem = lower.slice(0, dot);
  if (KNOWN_NAMES[stem] === 'text') return { kind: 'text' };
  // Apache-2.0, notes.v2, contract.LICENSE: an extension that names no type, so the content decides.
  return { sniff: true };
}

export const SUPPORTED_TYPES_HINT =
  'plain text (.txt), Markdown (.md), source code, JSON Lines (.jsonl), PDF, Word (.docx, .doc), OpenDocument (.odt), RTF, e-books (.epub) or web pages (.html)';
