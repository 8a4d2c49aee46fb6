import type { RelayKey } from "../api/types.ts";
import { Link } from "../router.tsx";

/** A key in a list: its name linking to its page, the secret's preview under it. */
export function KeyName(props: { keyRecord: Pick<RelayKey, "id" | "name" | "preview"> }) {
  return (
    <>
      <Link href={`/keys/${props.keyRecord.id}`} class="strong">
        {props.keyRecord.name}
      </Link>
      <div class="muted mono small">{props.keyRecord.preview}</div>
    </>
  );
}
