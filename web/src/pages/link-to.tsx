import type { ReactNode } from "react";
import { basePath, navigate } from "../router.js";

/** An in-app link: a real href (open in a new tab works) that navigates without reloading. */
export function LinkTo({ to, children, label }: { to: string; children: ReactNode; label?: string }) {
  return (
    <a
      href={basePath + to}
      aria-label={label}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
