// Phase "load": walk a route repository, read every document with the loader for its format, and
// return them in a stable order (sorted paths), so diagnostics and artefacts never depend on the
// order the file system lists entries in.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DiagnosticBag } from '../diagnostics.js';
import { KIND_BY_FOLDER, type DocumentKind, type SourceDocument } from '../source.js';
import { loadYamlDocument } from './yaml.js';

/** Extensions of data files that documents refer to (decks, lists); they are not documents. */
const DATA_EXTENSIONS = new Set(['.csv', '.json', '.txt']);
const DOCUMENT_EXTENSIONS = new Set(['.yaml', '.yml', '.ts']);
/** An operator's route repository is also a small TypeScript project for their editor. */
const TOOLING_FILES = new Set(['node_modules', 'package.json', 'package-lock.json', 'tsconfig.json']);

export interface LoadedRepository {
  root: string;
  documents: SourceDocument[];
  /** Repository-relative paths of data files present (decks, lists), to tell unused ones apart. */
  dataFiles: string[];
}

export async function loadRepository(root: string, bag: DiagnosticBag): Promise<LoadedRepository> {
  const absRoot = path.resolve(root);
  const documents: SourceDocument[] = [];
  const dataFiles: string[] = [];
  const tsFiles: { absPath: string; file: string; kind: DocumentKind }[] = [];

  let top: string[];
  try {
    top = (await readdir(absRoot)).sort();
  } catch (err) {
    bag.report('DP1007', { file: '.', line: 1, col: 1 }, `cannot read the route repository: ${(err as Error).message}`);
    return { root: absRoot, documents, dataFiles };
  }

  const addDocument = async (absPath: string, file: string, kind: DocumentKind): Promise<void> => {
    if (file.endsWith('.ts')) {
      tsFiles.push({ absPath, file, kind });
      return;
    }
    const text = await readFile(absPath, 'utf8');
    const doc = loadYamlDocument(text, file, absPath, kind, bag);
    if (doc) documents.push(doc);
  };

  const networkFiles = top.filter((name) => /^network\.(ya?ml|ts)$/.test(name));
  if (networkFiles.length === 0) {
    bag.report('DP1007', { file: 'network.yaml', line: 1, col: 1 }, 'the repository has no network.yaml (or network.ts) at its root');
  } else if (networkFiles.length > 1) {
    bag.report('DP1007', { file: networkFiles[1]!, line: 1, col: 1 }, `only one network file is allowed; found ${networkFiles.join(', ')}`);
  }
  if (networkFiles[0]) await addDocument(path.join(absRoot, networkFiles[0]), networkFiles[0], 'network');

  for (const name of top) {
    if (name.startsWith('.') || networkFiles.includes(name) || /\.md$/i.test(name) || TOOLING_FILES.has(name)) continue;
    const abs = path.join(absRoot, name);
    const isDir = (await stat(abs)).isDirectory();
    const kind = KIND_BY_FOLDER[name];
    if (!isDir || !kind) {
      bag.report('DP1006', { file: name, line: 1, col: 1 }, `"${name}" is not read: documents live in ${Object.keys(KIND_BY_FOLDER).join('/, ')}/ and network.yaml`);
      continue;
    }
    for (const file of await listFiles(abs, name)) {
      const ext = path.extname(file).toLowerCase();
      const absPath = path.join(absRoot, file);
      if (DOCUMENT_EXTENSIONS.has(ext) && !file.endsWith('.d.ts')) await addDocument(absPath, file, kind);
      else if (DATA_EXTENSIONS.has(ext)) dataFiles.push(file);
      else if (!/\.md$/i.test(file)) bag.report('DP1006', { file, line: 1, col: 1 }, `"${file}" is not read: expected .yaml, .yml or .ts documents and .csv/.json data files`);
    }
  }

  // The TypeScript compiler takes ~0.5 s to load: only repositories with .ts documents pay for it.
  if (tsFiles.length > 0) {
    const { loadTypeScriptDocuments } = await import('./typescript.js');
    documents.push(...(await loadTypeScriptDocuments(tsFiles, bag)));
  }
  documents.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { root: absRoot, documents, dataFiles };
}

/** Files under `dir`, recursively, as sorted repository-relative paths with '/' separators. */
async function listFiles(dir: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const childRel = `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), childRel)));
    else if (entry.isFile()) out.push(childRel);
  }
  return out;
}
