// An account's error history: its failed requests as the request log keeps them, newest first,
// in a dialog over the Accounts page, with a link to every request of the account.
import { onMount } from "solid-js";
import { requestLogApi } from "../api/request-log.ts";
import { lt } from "../i18n/request-log.ts";
import { zoneName } from "../lib/account-windows.ts";
import { Link } from "../router.tsx";
import { Modal } from "./Modal.tsx";
import { createLogPager, LogPagerFooter, PAGE_SIZE, RequestLogTable } from "./RequestLogTable.tsx";

export function AccountErrorsDialog(props: { account: { id: string; name: string }; onClose: () => void }) {
  const pager = createLogPager((cursor) =>
    requestLogApi.accountErrors(props.account.id, { cursor, limit: PAGE_SIZE }),
  );
  onMount(() => void pager.reset());
  return (
    <Modal title={lt("log.accountErrorsTitle", { name: props.account.name })} wide onClose={props.onClose}>
      <div data-testid="account-errors">
        <p class="muted small zone-note">
          {lt("log.timeZone", { zone: zoneName() })} ·{" "}
          <Link href={`/request-log?accountId=${encodeURIComponent(props.account.id)}`}>
            {lt("log.seeAll")}
          </Link>
        </p>
        <RequestLogTable rows={pager.rows()} empty={lt("log.accountErrorsNone")} hideAccount />
        <LogPagerFooter pager={pager} />
      </div>
    </Modal>
  );
}
