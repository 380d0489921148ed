/** @ragline/eval: metrics, the statistical release gate and reports (issue 6, under way). */
export {};
