// The layout is the architecture: these rules over the import graph keep it so. platform/ imports no module;
// ai/ (models) imports no feature module; agents, vector and fine-tuning never reach into each other except
// agents → vector (agents search); mcp/ (a gateway over the API) is imported by nothing but the app; the
// web panel has no import cycles.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every relative import of every .ts/.tsx file under `dir`, as [from, to] paths relative to the root. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        const source = fs.readFileSync(full, 'utf8');
        const targets = [...source.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((match) =>
          path.relative(ROOT, path.resolve(path.dirname(full), match[1]!)),
        );
        graph.set(path.relative(ROOT, full), targets);
      }
    }
  };
  walk(path.join(ROOT, dir));
  return graph;
}

const moduleOf = (file: string) => file.split(path.sep).slice(0, 2).join('/');

describe('import rules', () => {
  const graph = importGraph('src');
  const edges = [...graph].flatMap(([from, targets]) => targets.map((to) => [from, to] as const));
  const forbidden: [string, string[]][] = [
    [
      'src/platform',
      ['src/crm', 'src/ai', 'src/vector', 'src/agents', 'src/finetune', 'src/backup', 'src/mcp'],
    ],
    ['src/ai', ['src/vector', 'src/agents', 'src/finetune', 'src/mcp']],
    ['src/crm', ['src/ai', 'src/vector', 'src/agents', 'src/finetune', 'src/mcp']],
    ['src/vector', ['src/agents', 'src/finetune', 'src/mcp']],
    ['src/agents', ['src/finetune', 'src/mcp']],
    ['src/finetune', ['src/vector', 'src/agents', 'src/mcp']],
  ];
  for (const [module, banned] of forbidden) {
    test(`${module} imports none of ${banned.join(', ')}`, () => {
      const offending = edges.filter(
        ([from, to]) => moduleOf(from) === module && banned.includes(moduleOf(to)),
      );
      assert.deepEqual(
        offending.map(([from, to]) => `${from} → ${to}`),
        [],
      );
    });
  }
});

describe('the web panel', () => {
  test('has no import cycles', () => {
    const graph = importGraph('web/src');
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    assert.deepEqual(cycles, []);
  });
});
