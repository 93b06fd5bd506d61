import { useEffect, useRef } from "react";

/** A pending write awaiting confirmation: what it does, in words, and the call that does it. */
export interface PendingAction {
  readonly text: string;
  readonly run: () => Promise<void>;
}

/** An inline confirmation for a write: focus lands on Cancel, so Enter never confirms by accident. */
export function ConfirmDialog({ action, onClose }: { action: PendingAction; onClose: () => void }) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), [action]);
  return (
    <div className="notice" role="alertdialog" aria-modal="false" aria-labelledby="confirm-text">
      <p id="confirm-text">{action.text}</p>
      <button type="button" className="danger" onClick={() => void action.run().finally(onClose)}>
        Confirm
      </button>{" "}
      <button type="button" ref={cancel} onClick={onClose}>
        Cancel
      </button>
    </div>
  );
}
