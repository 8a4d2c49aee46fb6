// The user portal's and the setup guide's words. Kept apart from en.ts/zh.ts so they load with
// those pages, not with the admin's first page; every language has exactly the English keys.
import { lang } from "./index.ts";

const en = {
  "portal.title": "User portal",
  "portal.subtitle": "Sign in to manage your relay keys",
  "portal.adminLink": "Admin sign-in",
  "portal.keys": "My keys",
  "portal.guide": "Setup guide",
  "portal.password": "Password",
  "portal.keysOf": "{count} of {max} keys",
  "portal.newKey": "New key",
  "portal.noMoreKeys": "You hold as many keys as you may. Delete one, or ask an admin for more.",
  "portal.defaults": "Every new key gets the limits the admin set for you; you may set tighter caps.",
  "portal.capHint": "At most {max}; empty keeps it",
  "portal.capHintNone": "No cap from the admin; empty: none",
  "portal.createKey": "Create key",
  "portal.keyCreated": "Your new key",
  "portal.keyOnce":
    "This is the only time the key is shown. Copy it now; the setup lines below have it filled in.",
  "portal.deleteTitle": "Delete key",
  "portal.deleteConfirm": "Delete {name}? Clients using it stop working at once.",
  "portal.usage": "Usage",
  "portal.noKeys": "No keys yet. Create one to start.",
  "portal.lastUsed": "Last used",
  "portal.currentPassword": "Current password",
  "portal.newPassword": "New password",
  "portal.repeatPassword": "New password again",
  "portal.changePassword": "Change password",
  "portal.passwordChanged": "Password changed. Your other sessions have ended.",
  "portal.backToKeys": "← My keys",

  "guide.title": "Setup guide",
  "guide.intro": "Paste these lines to point each client at this relay ({url}).",
  "guide.forKey": "For the key {name}.",
  "guide.placeholder":
    "The key's secret is shown only when the key is created, so these lines carry {placeholder}: replace it with your key.",
  "guide.filledIn": "Your key is filled in below. It is not shown again once you close this.",
  "guide.client.claude-code": "Claude Code",
  "guide.client.gemini-cli": "Gemini CLI",
  "guide.client.codex-cli": "Codex CLI",
  "guide.client.openai-sdk": "OpenAI SDK",
  "guide.client.anthropic-sdk": "Anthropic SDK",
  "guide.block.shell": "In your terminal (or your shell's profile, to keep it):",
  "guide.block.claude-settings": "Or once for every session, in {file}:",
  "guide.block.gemini-settings": "In {file} (merge into the file if it exists), so the CLI uses a key:",
  "guide.block.codex-config": "In {file}:",
  "guide.block.openai-python":
    "Python (pip install openai); any model the relay serves: claude-*, gemini-*, gpt-*:",
  "guide.block.openai-node": "Node.js (npm install openai):",
  "guide.block.anthropic-python": "Python (pip install anthropic):",
  "guide.block.anthropic-node": "Node.js (npm install @anthropic-ai/sdk):",
};

export type PortalKey = keyof typeof en;

const zh: Record<PortalKey, string> = {
  "portal.title": "用户中心",
  "portal.subtitle": "登录以管理你的中转密钥",
  "portal.adminLink": "管理员登录",
  "portal.keys": "我的密钥",
  "portal.guide": "接入指南",
  "portal.password": "密码",
  "portal.keysOf": "已有 {count} 个，最多 {max} 个",
  "portal.newKey": "新建密钥",
  "portal.noMoreKeys": "密钥数量已达上限。请删除一个，或请管理员提高上限。",
  "portal.defaults": "新密钥沿用管理员为你设置的限额；你可以设得更严。",
  "portal.capHint": "最多 {max}；留空则沿用",
  "portal.capHintNone": "管理员未设上限；留空为不限",
  "portal.createKey": "创建密钥",
  "portal.keyCreated": "你的新密钥",
  "portal.keyOnce": "密钥只显示这一次，请立即复制；下方的接入配置已填好它。",
  "portal.deleteTitle": "删除密钥",
  "portal.deleteConfirm": "删除 {name}？使用它的客户端将立即停止工作。",
  "portal.usage": "用量",
  "portal.noKeys": "还没有密钥。创建一个开始使用。",
  "portal.lastUsed": "最近使用",
  "portal.currentPassword": "当前密码",
  "portal.newPassword": "新密码",
  "portal.repeatPassword": "再次输入新密码",
  "portal.changePassword": "修改密码",
  "portal.passwordChanged": "密码已修改，你的其他会话已退出。",
  "portal.backToKeys": "← 我的密钥",

  "guide.title": "接入指南",
  "guide.intro": "复制以下配置，让各客户端使用本中转服务（{url}）。",
  "guide.forKey": "适用于密钥 {name}。",
  "guide.placeholder": "密钥只在创建时显示，因此这里用 {placeholder} 占位：请替换为你的密钥。",
  "guide.filledIn": "下方已填入你的密钥。关闭后不会再显示。",
  "guide.client.claude-code": "Claude Code",
  "guide.client.gemini-cli": "Gemini CLI",
  "guide.client.codex-cli": "Codex CLI",
  "guide.client.openai-sdk": "OpenAI SDK",
  "guide.client.anthropic-sdk": "Anthropic SDK",
  "guide.block.shell": "在终端中执行（写入 shell 配置文件可长期生效）：",
  "guide.block.claude-settings": "或写入 {file}，对每次会话生效：",
  "guide.block.gemini-settings": "写入 {file}（文件已存在时合并进去），让 CLI 使用密钥认证：",
  "guide.block.codex-config": "写入 {file}：",
  "guide.block.openai-python":
    "Python（pip install openai）；可用中转服务支持的任意模型：claude-*、gemini-*、gpt-*：",
  "guide.block.openai-node": "Node.js（npm install openai）：",
  "guide.block.anthropic-python": "Python（pip install anthropic）：",
  "guide.block.anthropic-node": "Node.js（npm install @anthropic-ai/sdk）：",
};

export const PORTAL_DICTIONARIES = { en, zh };

/** Reactive, like t(): follows the language switch; `{name}` placeholders are replaced by vars. */
export function pt(key: PortalKey, vars?: Record<string, string | number>): string {
  const text = PORTAL_DICTIONARIES[lang()][key];
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
