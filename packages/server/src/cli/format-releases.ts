import type { Release, ReleaseList } from '@ragline/sdk';

/** `answer@3, model sql-assistant@2, handbook@12 (hybrid, top 8)` */
export function describePins(pins: Release['pins']): string {
  const model =
    pins.model === null
      ? 'no model (extractive)'
      : 'route' in pins.model
        ? `route ${pins.model.route}@${pins.model.routeVersion}`
        : `model ${pins.model.name}@${pins.model.version}`;
  const { retrieval } = pins;
  const filter = retrieval.filter ? `, filter ${JSON.stringify(retrieval.filter)}` : '';
  return (
    `prompt ${pins.prompt.name}@${pins.prompt.version}, ${model}, ` +
    `collection ${pins.collection.name}@${pins.collection.version} (${retrieval.mode}, top ${retrieval.topK}${filter})`
  );
}

export function formatRelease(release: Release): string {
  const { pins } = release;
  const lines = [
    `Release ${release.id}${release.labels.length > 0 ? ` (${release.labels.join(', ')})` : ''}`,
    `  prompt      ${pins.prompt.name} version ${pins.prompt.version}`,
    `  model       ${
      pins.model === null
        ? 'none: extractive, answers are the best passages'
        : 'route' in pins.model
          ? `route ${pins.model.route} version ${pins.model.routeVersion} (${pins.model.source})`
          : `${pins.model.name} version ${pins.model.version}`
    }`,
    `  collection  ${pins.collection.name} version ${pins.collection.version}`,
    `  retrieval   ${pins.retrieval.mode}, top ${pins.retrieval.topK}${
      pins.retrieval.fusion
        ? `, fusion k=${pins.retrieval.fusion.k} dense=${pins.retrieval.fusion.denseWeight} lexical=${pins.retrieval.fusion.lexicalWeight}`
        : ''
    }`,
  ];
  if (pins.retrieval.filter) lines.push(`  filter      ${JSON.stringify(pins.retrieval.filter)}`);
  lines.push(`  created     ${release.createdAt}${release.createdBy ? ` by ${release.createdBy}` : ''}`);
  return `${lines.join('\n')}\n`;
}

export function formatReleaseList(list: ReleaseList): string {
  if (list.data.length === 0) return 'No releases yet. Create one with "ragline releases create".\n';
  return list.data
    .map(
      (r) =>
        `${r.id}  ${r.createdAt}  ${describePins(r.pins)}${r.labels.length ? `  [${r.labels.join(', ')}]` : ''}\n`,
    )
    .join('');
}
