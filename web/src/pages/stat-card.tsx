/** One figure with its label; `testId` lets browser tests read it. */
export function StatCard({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="card">
      <div className="card-label">{label}</div>
      <div className="card-value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}
