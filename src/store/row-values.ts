// Nullable columns as the store modules read them: SQLite and PostgreSQL give null for SQL NULL, and a column a query
// did not select reads as undefined.

/** A nullable text column: its string, or null. */
export const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** A nullable text column for an optional field: its string, or undefined. */
export const textOrUndefined = (value: unknown): string | undefined => (value === null || value === undefined ? undefined : String(value));

/** A nullable numeric column: its number, or null. */
export const numberOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
