// The shared form and action state of the admin UI (admin-ui/src/lib/form.ts, lib/action.ts),
// without a browser: what a submit does when fields are marked, when the API refuses, and after a
// success; and the binder's props for a form object's text fields.
import { createRoot, createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import { createAction } from "../../admin-ui/src/lib/action.ts";
import { binder, createForm, type FieldErrors } from "../../admin-ui/src/lib/form.ts";

const submitEvent = () => {
  let prevented = false;
  const event = { preventDefault: () => (prevented = true) } as unknown as SubmitEvent;
  return { event, prevented: () => prevented };
};

describe("createAction", () => {
  it("runs the work, then the step after it, and clears an earlier error", async () => {
    const order: string[] = [];
    const action = createRoot(() => createAction(async () => order.push("after")));
    action.setError(new Error("old"));
    const ok = await action.run(async () => {
      expect(action.busy()).toBe(true);
      order.push("work");
    });
    expect(ok).toBe(true);
    expect(order).toEqual(["work", "after"]);
    expect(action.error()).toBeNull();
    expect(action.busy()).toBe(false);
  });

  it("keeps what was thrown and skips the step after it", async () => {
    let after = 0;
    const action = createRoot(() => createAction(async () => after++));
    const thrown = new Error("refused");
    expect(await action.run(() => Promise.reject(thrown))).toBe(false);
    expect(action.error()).toBe(thrown);
    expect(action.busy()).toBe(false);
    expect(after).toBe(0);
  });
});

describe("createForm", () => {
  const setup = (send: () => Promise<unknown>) =>
    createRoot(() => {
      const [name, setName] = createSignal("");
      const form = createForm<"name">({
        check: (): FieldErrors<"name"> => (name().trim() ? {} : { name: "validate.required" }),
        send,
      });
      return { form, setName };
    });

  it("marks the fields and sends nothing while a check fails", async () => {
    let sent = 0;
    const { form } = setup(async () => sent++);
    const submit = submitEvent();
    await form.submit(submit.event);
    expect(submit.prevented()).toBe(true);
    expect(sent).toBe(0);
    expect(form.errors()).toEqual({ name: "validate.required" });
    expect(form.invalid()).toBe(true);
    expect(form.saved()).toBe(false);
  });

  it("sends once the fields pass and says saved", async () => {
    let sent = 0;
    const { form, setName } = setup(async () => sent++);
    setName("ops");
    await form.submit(submitEvent().event);
    expect(sent).toBe(1);
    expect(form.errors()).toEqual({});
    expect(form.invalid()).toBe(false);
    expect(form.saved()).toBe(true);
    expect(form.apiError()).toBeNull();
  });

  it("keeps the API's refusal and is not saved", async () => {
    const refusal = new Error("name taken");
    const { form, setName } = setup(() => Promise.reject(refusal));
    setName("ops");
    await form.submit(submitEvent().event);
    expect(form.apiError()).toBe(refusal);
    expect(form.saved()).toBe(false);
    expect(form.busy()).toBe(false);
  });
});

describe("binder", () => {
  it("gives a text field's name, current value, error mark and an onInput that updates only it", () => {
    createRoot(() => {
      const [form, setForm] = createSignal({ name: "a", tags: "x, y", enabled: true });
      const [errors] = createSignal<FieldErrors<"name">>({ name: "validate.tooLong" });
      const bind = binder(form, setForm, errors);
      const name = bind("name");
      expect(name.name).toBe("name");
      expect(name.value).toBe("a");
      expect(name.error).toBe("validate.tooLong");
      expect(bind("tags").error).toBeUndefined();
      name.onInput("b");
      expect(form()).toEqual({ name: "b", tags: "x, y", enabled: true });
      expect(name.value).toBe("b");
    });
  });
});
