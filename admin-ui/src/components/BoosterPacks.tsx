// Booster packs and their latest draws: on the key page (admin, with a grant form), the public
// stats page and the user portal (both through PublicStats' Report), and the real vs rated cost.
import { createSignal, type JSX, Show } from "solid-js";
import type { PackState, PublicCosts, PublicPacks } from "../api/packs.ts";
import { lang } from "../i18n/index.ts";
import { pt } from "../i18n/packs.ts";
import { createAction } from "../lib/action.ts";
import { formatCost, formatDateTime } from "../lib/format.ts";
import { DataTable } from "./DataTable.tsx";
import { ErrorBox } from "./ErrorBox.tsx";
import { TextField } from "./Field.tsx";

export function PacksPanel(props: { packs: PublicPacks; children?: JSX.Element }) {
  return (
    <section class="panel" data-testid="booster-packs">
      <div class="panel-head">
        <h2>{pt("packs.title")}</h2>
        <strong data-testid="packs-left">
          {pt("packs.left")}: {formatCost(props.packs.left)}
        </strong>
      </div>
      <p class="muted small">{pt("packs.hint")}</p>
      <DataTable
        plain
        rows={props.packs.packs}
        empty={pt("packs.none")}
        columns={[
          { head: pt("packs.amount"), class: "num", cell: (p) => formatCost(p.amount) },
          { head: pt("packs.used"), class: "num", cell: (p) => formatCost(p.used) },
          { head: pt("packs.granted"), cell: (p) => formatDateTime(p.grantedAt, lang()) },
          {
            head: pt("packs.expires"),
            cell: (p) => (p.expiresAt ? formatDateTime(p.expiresAt, lang()) : pt("packs.never")),
          },
          {
            head: pt("packs.source"),
            cell: (p) => pt(p.source === "card" ? "packs.source.card" : "packs.source.admin"),
          },
          { head: pt("packs.note"), cell: (p) => p.note },
        ]}
      />
      <h3>{pt("packs.draws")}</h3>
      <DataTable
        plain
        testId="pack-draws"
        rows={props.packs.draws}
        empty={pt("packs.noDraws")}
        columns={[
          { head: pt("packs.at"), cell: (d) => formatDateTime(d.at, lang()) },
          { head: pt("packs.request"), cellClass: "mono", cell: (d) => d.requestId },
          { head: pt("packs.drawn"), class: "num", cell: (d) => formatCost(d.amount) },
        ]}
      />
      {props.children}
    </section>
  );
}

export function CostsLine(props: { costs: PublicCosts }) {
  return (
    <section class="panel" data-testid="rated-costs">
      <h2>{pt("costs.title")}</h2>
      <dl class="facts">
        <dt>{pt("costs.real")}</dt>
        <dd>
          {pt("costs.today", { v: formatCost(props.costs.real.today) })} ·{" "}
          {pt("costs.total", { v: formatCost(props.costs.real.total) })}
        </dd>
        <Show when={props.costs.rated}>
          {(rated) => (
            <>
              <dt>{pt("costs.rated")}</dt>
              <dd>
                {pt("costs.today", { v: formatCost(rated().today) })} ·{" "}
                {pt("costs.total", { v: formatCost(rated().total) })}
              </dd>
            </>
          )}
        </Show>
        <dt>{pt("costs.multiplier")}</dt>
        <dd>×{props.costs.rateMultiplier}</dd>
      </dl>
    </section>
  );
}

/** A code box; `redeem` sends it (with the key, or for the portal's key) and reloads the page's data. */
export function RedeemBox(props: { redeem: (code: string) => Promise<void> }) {
  const [code, setCode] = createSignal("");
  const [done, setDone] = createSignal(false);
  const action = createAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    setDone(false);
    if (!code().trim()) return;
    if (await action.run(() => props.redeem(code().trim()))) {
      setCode("");
      setDone(true);
    }
  };
  return (
    <form class="panel key-form" data-testid="redeem-card" onSubmit={submit} noValidate>
      <h2>{pt("cards.redeem")}</h2>
      <div class="row wrap">
        <TextField
          label={pt("cards.code")}
          name="code"
          autocomplete="off"
          placeholder="QC-XXXX-XXXX-XXXX-XXXX"
          value={code()}
          onInput={setCode}
        />
        <button type="submit" class="primary" disabled={action.busy()} data-testid="redeem-submit">
          {pt("cards.redeemButton")}
        </button>
      </div>
      <Show when={done()}>
        <p class="ok" data-testid="redeem-done">
          {pt("cards.redeemed")}
        </p>
      </Show>
      <ErrorBox error={action.error()} />
    </form>
  );
}

/** The key page's packs: the gate's figures in USD, and a form granting one. */
export function AdminPacksPanel(props: {
  state: PackState;
  grant: (pack: { amountUsd: number; note: string; expiresAt?: string }) => Promise<void>;
}) {
  const [amount, setAmount] = createSignal("");
  const [note, setNote] = createSignal("");
  const [expires, setExpires] = createSignal("");
  const action = createAction();
  const usd = (micro: number) => micro / 1_000_000;
  const packs = (): PublicPacks => ({
    left: usd(props.state.leftMicroUsd),
    packs: props.state.packs.map((p) => ({
      id: p.id,
      amount: usd(p.amountMicroUsd),
      used: usd(p.usedMicroUsd),
      grantedAt: p.grantedAt,
      expiresAt: p.expiresAt ?? null,
      note: p.note,
      source: p.source,
    })),
    draws: props.state.draws.slice(0, 50).map((d) => ({ ...d, amount: usd(d.amountMicroUsd) })),
  });
  const submit = async (event: Event) => {
    event.preventDefault();
    const amountUsd = Number(amount());
    if (!(amountUsd > 0)) return action.setError(new Error(pt("packs.amount")));
    const expiresAt = expires() ? new Date(expires()).toISOString() : undefined;
    if (
      await action.run(() => props.grant({ amountUsd, note: note(), ...(expiresAt ? { expiresAt } : {}) }))
    ) {
      setAmount("");
      setNote("");
      setExpires("");
    }
  };
  return (
    <PacksPanel packs={packs()}>
      <form class="row wrap" data-testid="grant-pack" onSubmit={submit} noValidate>
        <TextField
          label={pt("packs.amount")}
          name="amountUsd"
          inputmode="decimal"
          value={amount()}
          onInput={setAmount}
        />
        <TextField label={pt("packs.note")} name="note" value={note()} onInput={setNote} />
        <TextField
          label={pt("packs.expiresAt")}
          name="expiresAt"
          type="datetime-local"
          value={expires()}
          onInput={setExpires}
        />
        <button type="submit" class="primary" disabled={action.busy()} data-testid="grant-pack-submit">
          {pt("packs.grant")}
        </button>
      </form>
      <ErrorBox error={action.error()} />
    </PacksPanel>
  );
}
