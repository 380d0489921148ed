import type { ReleaseLabel, Release as ReleaseView } from '@ragline/sdk/contracts';
import type { LabelMoveResult } from '../registry/move-label.js';
import type { Release } from './resolve-release.js';

export function releaseView(release: Release): ReleaseView {
  return {
    id: release.id,
    pins: release.pins as ReleaseView['pins'],
    labels: release.labels,
    createdAt: release.createdAt,
    createdBy: release.createdBy,
  };
}

export function releaseLabelView(result: LabelMoveResult): ReleaseLabel {
  return {
    label: result.label.label,
    release: result.label.target,
    previousRelease: result.previous,
    moved: result.moved,
    decision: result.decision,
    updatedAt: result.label.updatedAt,
    updatedBy: result.label.updatedBy,
  };
}
