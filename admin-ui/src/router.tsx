// A small history router: the path is a signal, links push state, pages match patterns.
import { createSignal, type JSX, splitProps } from "solid-js";
import { stripBase, withBase } from "./lib/route-match.ts";

const BASE = import.meta.env.BASE_URL;
const currentPath = () => stripBase(BASE, globalThis.location.pathname);
const [path, setPath] = createSignal(currentPath());

export { path };

globalThis.addEventListener("popstate", () => setPath(currentPath()));

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = withBase(BASE, to);
  if (options.replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  setPath(currentPath());
  globalThis.scrollTo?.(0, 0);
}

export function Link(props: JSX.AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const [own, rest] = splitProps(props, ["href", "onClick"]);
  return (
    <a
      {...rest}
      href={withBase(BASE, own.href)}
      onClick={(event) => {
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
          return;
        event.preventDefault();
        navigate(own.href);
      }}
    />
  );
}
