/** Binary units: every memory figure in the planner is in bytes and shown in KiB/MiB/GiB (powers of 2). */
export const KiB = 1024;
export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

/** Hours in the month the cost figures use (365 × 24 / 12, the cloud providers' convention). */
export const hoursPerMonth = 730;
