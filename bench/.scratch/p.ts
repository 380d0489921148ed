import { loadCisi, loadSciFact } from '../lib/datasets.js';
const s = await loadSciFact('/work/shared/data/beir-scifact');
const c = await loadCisi('/work/shared/data/cisi');
for (const d of [s, c]) {
  let j = 0; for (const v of d.qrels.values()) j += v.size;
  console.log(d.name, d.documents.length, d.queries.length, d.qrels.size, j);
  console.log(d.documents[1], d.queries[0]);
}
