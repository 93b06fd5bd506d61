/** A page whose admin API has not landed yet. */
export function PlaceholderPage({ title, arrives }: { title: string; arrives: string }) {
  return (
    <section>
      <h1>{title}</h1>
      <p className="muted">{arrives === "" ? "No such page." : `This page arrives with ${arrives}.`}</p>
    </section>
  );
}
