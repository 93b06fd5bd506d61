/** Display helpers: every figure on the dashboard goes through one of these. */

export const formatNumber = (value: number | null | undefined, digits = 0): string => (value === null || value === undefined ? "–" : value.toLocaleString("en-US", { maximumFractionDigits: digits }));

export const formatMs = (value: number | null | undefined): string => (value === null || value === undefined ? "–" : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`);

export const formatUsd = (value: number | null | undefined): string => (value === null || value === undefined ? "–" : `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`);

export const formatPercent = (value: number | null | undefined): string => (value === null || value === undefined ? "–" : `${(value * 100).toFixed(1)}%`);

export const formatTime = (epochMs: number): string => new Date(epochMs).toLocaleString("en-GB", { hour12: false });
