// Adding accounts of every type (API key; OAuth by authorization link + pasted code, or by
// importing tokens) and editing an account's settings.
import { createSignal, For, Match, Show, Switch } from "solid-js";
import { adminApi, type OauthPlatform } from "../api/admin.ts";
import type { Account, AccountType, OauthAuthorization, Platform } from "../api/types.ts";
import { AreaField, CheckField, SelectField } from "../components/ChoiceFields.tsx";
import { CopyButton } from "../components/CopyButton.tsx";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { TextField } from "../components/Field.tsx";
import { ModalForm } from "../components/FormShell.tsx";
import { Segmented } from "../components/Segmented.tsx";
import { lang, type MessageKey, t } from "../i18n/index.ts";
import {
  type BedrockField,
  type BedrockForm,
  bedrockCredentialsBody,
  bedrockFrom,
  bedrockSettingsBody,
  emptyBedrock,
  emptySettings,
  IMPORT_FIELDS,
  type ImportField,
  importHasToken,
  isApiKeyType,
  mappingChange,
  mappingText,
  oauthPlatformOf,
  type SettingsField,
  type SettingsForm,
  settingsBody,
  settingsFrom,
  TYPES_OF,
  takesMapping,
  validateBedrock,
  validateMapping,
  validateSettings,
} from "../lib/accounts.ts";
import { createAction } from "../lib/action.ts";
import {
  type AzureField,
  type AzureForm,
  azureFrom,
  azureSettingsBody,
  azureSettingsChange,
  droidUserAgentFrom,
  emptyAzure,
  validateAzure,
} from "../lib/azure-droid.ts";
import { binder, createForm, type FieldErrors } from "../lib/form.ts";
import { formatDateTime } from "../lib/format.ts";
import { emptyProxy, type ProxyForm, proxyChange, validateProxy } from "../lib/proxy.ts";
import { maxLength, required } from "../lib/validate.ts";
import { AccountOptionFields, ModelMappingField } from "./AccountOptionFields.tsx";
import { AzureFields, DroidFields } from "./AzureDroidFields.tsx";
import { ProxyField } from "./ProxyField.tsx";

export const TYPE_LABEL: Record<AccountType, MessageKey> = {
  "claude-console": "accountType.claude-console",
  "claude-oauth": "accountType.claude-oauth",
  "gemini-api": "accountType.gemini-api",
  "gemini-oauth": "accountType.gemini-oauth",
  "openai-api": "accountType.openai-api",
  "openai-oauth": "accountType.openai-oauth",
  bedrock: "accountType.bedrock",
  "azure-openai": "accountType.azure-openai",
  droid: "accountType.droid",
};

const IMPORT_LABEL: Record<ImportField, MessageKey> = {
  setupToken: "oauth.setupToken",
  accessToken: "oauth.accessToken",
  refreshToken: "oauth.refreshToken",
  projectId: "oauth.projectId",
  idToken: "oauth.idToken",
  chatgptAccountId: "oauth.chatgptAccountId",
};

function SettingsFields(props: {
  form: SettingsForm;
  errors: Partial<Record<SettingsField, MessageKey>>;
  onChange: (form: SettingsForm) => void;
}) {
  const bind = binder(
    () => props.form,
    (next) => props.onChange(next),
    () => props.errors,
  );
  const check = (field: "schedulable" | "shared") => ({
    get checked() {
      return props.form[field];
    },
    onChange: (on: boolean) => props.onChange({ ...props.form, [field]: on }),
  });
  return (
    <div class="form-grid">
      <TextField label={t("common.name")} {...bind("name")} name="account-name" />
      <TextField
        label={t("accounts.baseUrl")}
        hint={t("accounts.baseUrlHint")}
        inputmode="url"
        placeholder="https://…"
        {...bind("baseUrl")}
      />
      <TextField
        label={t("accounts.priority")}
        hint={t("accounts.priorityHint")}
        inputmode="numeric"
        {...bind("priority")}
      />
      <TextField
        label={t("limits.concurrency")}
        hint={t("keyForm.zeroHint")}
        inputmode="numeric"
        placeholder="0"
        {...bind("concurrencyLimit")}
      />
      <AreaField label={t("accounts.models")} hint={t("accounts.modelsHint")} wide {...bind("models")} />
      <AreaField label={t("common.description")} wide {...bind("description")} name="account-description" />
      <CheckField label={t("accounts.schedulable")} name="account-schedulable" {...check("schedulable")} />
      <CheckField label={t("accounts.shared")} name="account-shared" {...check("shared")} />
    </div>
  );
}

/** A Bedrock account's region, access key and model ids; `editing` makes the key optional. */
function BedrockFields(props: {
  form: BedrockForm;
  errors: Partial<Record<BedrockField, MessageKey>>;
  editing: boolean;
  onChange: (form: BedrockForm) => void;
}) {
  const bind = binder(
    () => props.form,
    (next) => props.onChange(next),
    () => props.errors,
  );
  return (
    <div class="form-grid" data-testid="bedrock-fields">
      <TextField label={t("bedrock.region")} hint={t("bedrock.regionHint")} {...bind("region")} />
      <TextField
        label={t("bedrock.accessKeyId")}
        hint={props.editing ? t("bedrock.newKeyHint") : undefined}
        autocomplete="off"
        {...bind("accessKeyId")}
      />
      <TextField
        label={t("bedrock.secretAccessKey")}
        type="password"
        autocomplete="off"
        {...bind("secretAccessKey")}
      />
      <TextField
        label={t("bedrock.sessionToken")}
        hint={t("bedrock.sessionTokenHint")}
        type="password"
        autocomplete="off"
        {...bind("sessionToken")}
      />
      <AreaField
        label={t("bedrock.modelMapping")}
        hint={t("bedrock.modelMappingHint")}
        wide
        rows="3"
        placeholder="claude-sonnet-4-5=us.anthropic.claude-sonnet-4-5-20250929-v1:0"
        {...bind("modelMapping")}
      />
      <TextField
        label={t("bedrock.defaultModel")}
        hint={t("bedrock.defaultModelHint")}
        wide
        {...bind("defaultModel")}
      />
    </div>
  );
}

/** The OAuth link step: get a link, open it, paste back what the provider's page shows. */
function AuthorizeStep(props: {
  platform: OauthPlatform;
  code: string;
  onCode: (v: string) => void;
  error?: MessageKey;
  onSession: (id: string) => void;
}) {
  const [auth, setAuth] = createSignal<OauthAuthorization | null>(null);
  const action = createAction();
  const start = () =>
    void action.run(async () => {
      const result = await adminApi.accounts.oauthAuthorize(props.platform);
      setAuth(result);
      props.onSession(result.sessionId);
    });
  return (
    <div class="oauth-steps">
      <ol>
        <li>
          <button
            type="button"
            class="secondary"
            disabled={action.busy()}
            onClick={start}
            data-testid="oauth-link"
          >
            {auth() ? t("oauth.newLink") : t("oauth.getLink")}
          </button>
          <ErrorBox error={action.error()} />
          <Show when={auth()}>
            {(a) => (
              <div class="auth-link">
                <a href={a().authUrl} target="_blank" rel="noopener noreferrer" data-testid="auth-url">
                  {t("oauth.open")}
                </a>
                <CopyButton text={a().authUrl} label={t("oauth.copyLink")} />
                <span class="muted small">
                  {t("oauth.expires", { time: formatDateTime(a().expiresAt, lang()) })}
                </span>
              </div>
            )}
          </Show>
        </li>
        <li>
          <AreaField
            label={t(props.platform === "openai" ? "oauth.pasteCallback" : "oauth.pasteCode")}
            error={props.error}
            wide
            name="code"
            value={props.code}
            onInput={(v) => props.onCode(v)}
          />
        </li>
      </ol>
    </div>
  );
}

export function AddAccountDialog(props: {
  platform: Platform;
  onClose: () => void;
  onSaved: (a: Account) => void;
}) {
  const [type, setType] = createSignal<AccountType>(TYPES_OF[props.platform][0] ?? "claude-console");
  const [settings, setSettings] = createSignal<SettingsForm>(emptySettings());
  const [apiKey, setApiKey] = createSignal("");
  const [mode, setMode] = createSignal<"link" | "import">("link");
  const [sessionId, setSessionId] = createSignal("");
  const [code, setCode] = createSignal("");
  const [projectId, setProjectId] = createSignal("");
  const [tokens, setTokens] = createSignal<Partial<Record<ImportField, string>>>({});
  const [bedrock, setBedrock] = createSignal<BedrockForm>(emptyBedrock());
  const [azure, setAzure] = createSignal<AzureForm>(emptyAzure());
  const [userAgent, setUserAgent] = createSignal("");
  const [mapping, setMapping] = createSignal("");
  const [proxy, setProxy] = createSignal<ProxyForm>(emptyProxy());
  const platform = () => oauthPlatformOf(type());
  const check = () => {
    const found: FieldErrors<
      SettingsField | BedrockField | AzureField | "apiKey" | "code" | "tokens" | "proxy"
    > = validateSettings(settings());
    const proxyError = validateProxy(proxy());
    if (proxyError) found.proxy = proxyError;
    if (type() === "azure-openai") Object.assign(found, validateAzure(azure(), settings().baseUrl));
    if (type() === "bedrock") {
      Object.assign(found, validateBedrock(bedrock(), true));
    } else if (isApiKeyType(type())) {
      const e = required(apiKey()) ?? maxLength(500)(apiKey());
      if (e) found.apiKey = e;
    } else if (mode() === "link") {
      if (!sessionId()) found.code = "oauth.linkFirst";
      else if (required(code())) found.code = "validate.required";
    } else if (!importHasToken(tokens())) found.tokens = "oauth.tokenNeeded";
    const mappingError = takesMapping(type()) ? validateMapping(mapping()) : null;
    if (mappingError) found.modelMapping = mappingError;
    return found;
  };

  const send = async () => {
    const current = type();
    // Console, OpenAI and Gemini accounts take their model mapping with the rest.
    const { modelMapping } = mappingChange(mapping());
    const base = {
      ...settingsBody(settings()),
      ...(takesMapping(current) && modelMapping ? { modelMapping } : {}),
      ...proxyChange(proxy(), undefined),
    };
    let saved: Account;
    if (current === "bedrock") {
      const credentials = bedrockCredentialsBody(bedrock());
      if (!credentials) return;
      saved = (
        await adminApi.accounts.createBedrock({
          ...base,
          ...bedrockSettingsBody(bedrock()),
          ...credentials,
        })
      ).account;
    } else if (current === "azure-openai") {
      const { baseUrl, ...rest } = base;
      saved = (
        await adminApi.accounts.createAzure({
          ...rest,
          endpoint: baseUrl,
          ...azureSettingsBody(azure()),
          apiKey: apiKey().trim(),
        })
      ).account;
    } else if (isApiKeyType(current)) {
      const agent = current === "droid" && userAgent().trim() ? { userAgent: userAgent().trim() } : {};
      saved = (await adminApi.accounts.createApiKey(current, { ...base, apiKey: apiKey().trim(), ...agent }))
        .account;
    } else if (mode() === "link") {
      const extra = platform() === "gemini" && projectId().trim() ? { projectId: projectId().trim() } : {};
      saved = (
        await adminApi.accounts.oauthExchange(platform(), {
          ...base,
          sessionId: sessionId(),
          code: code().trim(),
          ...extra,
        })
      ).account;
    } else {
      const given = Object.fromEntries(
        IMPORT_FIELDS[platform()].flatMap((f) =>
          (tokens()[f] ?? "").trim() ? [[f, (tokens()[f] ?? "").trim()]] : [],
        ),
      );
      saved = (await adminApi.accounts.oauthImport(platform(), { ...base, ...given })).account;
    }
    props.onSaved(saved);
  };
  const form = createForm({ check, send });
  const errors = form.errors;

  return (
    <ModalForm
      title={t("accounts.addTitle")}
      onClose={props.onClose}
      wide
      testId="account-form"
      form={form}
      submitLabel={t("accounts.add")}
      submitTestId="save-account"
    >
      <SelectField
        label={t("accounts.type")}
        name="type"
        value={type()}
        onChange={(next) => {
          setType(next);
          setSessionId("");
          setCode("");
        }}
      >
        <For each={Object.values(TYPES_OF).flat()}>
          {(ty) => <option value={ty}>{t(TYPE_LABEL[ty])}</option>}
        </For>
      </SelectField>
      <Switch>
        <Match when={type() === "bedrock"}>
          <BedrockFields form={bedrock()} errors={errors()} editing={false} onChange={setBedrock} />
        </Match>
        <Match when={isApiKeyType(type())}>
          <TextField
            label={t("accounts.apiKey")}
            error={errors().apiKey}
            name="apiKey"
            type="password"
            autocomplete="off"
            value={apiKey()}
            onInput={setApiKey}
          />
          <Show when={type() === "azure-openai"}>
            <AzureFields form={azure()} errors={errors()} onChange={setAzure} />
          </Show>
          <Show when={type() === "droid"}>
            <DroidFields userAgent={userAgent()} onChange={setUserAgent} />
          </Show>
        </Match>
        <Match when={!isApiKeyType(type()) && type() !== "bedrock"}>
          <Segmented
            value={mode()}
            onChange={setMode}
            options={[
              { value: "link", label: t("oauth.byLink") },
              { value: "import", label: t("oauth.byImport") },
            ]}
          />
          <Show
            when={mode() === "link"}
            fallback={
              <div class="form-grid">
                <For each={IMPORT_FIELDS[platform()] as readonly ImportField[]}>
                  {(f) => (
                    <TextField
                      label={t(IMPORT_LABEL[f])}
                      name={f}
                      type={f === "projectId" || f === "chatgptAccountId" ? "text" : "password"}
                      autocomplete="off"
                      value={tokens()[f] ?? ""}
                      onInput={(v) => setTokens({ ...tokens(), [f]: v })}
                    />
                  )}
                </For>
                <Show when={errors().tokens}>{(e) => <p class="field-error">{t(e())}</p>}</Show>
              </div>
            }
          >
            <AuthorizeStep
              platform={platform()}
              code={code()}
              onCode={setCode}
              error={errors().code}
              onSession={setSessionId}
            />
            <Show when={platform() === "gemini"}>
              <TextField
                label={t("oauth.projectId")}
                hint={t("oauth.projectHint")}
                name="projectId"
                value={projectId()}
                onInput={setProjectId}
              />
            </Show>
          </Show>
        </Match>
      </Switch>
      <Show when={takesMapping(type())}>
        <ModelMappingField value={mapping()} error={errors().modelMapping} onInput={setMapping} />
      </Show>
      <fieldset>
        <legend>{t("accounts.settings")}</legend>
        <SettingsFields form={settings()} errors={errors()} onChange={setSettings} />
      </fieldset>
      <AccountOptionFields type={type()} form={settings()} errors={errors()} onChange={setSettings} />
      <ProxyField form={proxy()} error={errors().proxy} onChange={setProxy} />
    </ModalForm>
  );
}

export function EditAccountDialog(props: {
  account: Account;
  onClose: () => void;
  onSaved: (a: Account) => void;
}) {
  const [settings, setSettings] = createSignal<SettingsForm>(settingsFrom(props.account));
  const [apiKey, setApiKey] = createSignal("");
  const isBedrock = props.account.type === "bedrock";
  const [bedrock, setBedrock] = createSignal<BedrockForm>(bedrockFrom(props.account));
  const isAzure = props.account.type === "azure-openai";
  const isDroid = props.account.type === "droid";
  const [azure, setAzure] = createSignal<AzureForm>(azureFrom(props.account));
  const [userAgent, setUserAgent] = createSignal(droidUserAgentFrom(props.account));
  const hasMapping = takesMapping(props.account.type);
  const [mapping, setMapping] = createSignal(mappingText(props.account));
  const [proxy, setProxy] = createSignal<ProxyForm>(emptyProxy());
  const check = () => {
    const found: FieldErrors<SettingsField | BedrockField | AzureField | "apiKey" | "proxy"> =
      validateSettings(settings());
    const proxyError = validateProxy(proxy());
    if (proxyError) found.proxy = proxyError;
    if (isAzure) Object.assign(found, validateAzure(azure(), settings().baseUrl));
    const keyError = maxLength(500)(apiKey());
    if (keyError) found.apiKey = keyError;
    if (isBedrock) Object.assign(found, validateBedrock(bedrock(), false));
    const mappingError = hasMapping ? validateMapping(mapping()) : null;
    if (mappingError) found.modelMapping = mappingError;
    return found;
  };
  const send = async () => {
    if (isBedrock) {
      const credentials = bedrockCredentialsBody(bedrock());
      if (credentials) await adminApi.accounts.setBedrockCredentials(props.account.id, credentials);
      // Settings are merged by the API: a mapping or default model left empty is removed (null).
      const { region, modelMapping, defaultModel } = bedrockSettingsBody(bedrock());
      const settingsChange = {
        region,
        modelMapping: modelMapping ?? null,
        defaultModel: defaultModel ?? null,
      };
      props.onSaved(
        await adminApi.accounts.update(props.account.id, {
          ...settingsBody(settings()),
          ...proxyChange(proxy(), props.account.proxy),
          settings: settingsChange,
        }),
      );
      return;
    }
    // Type settings are merged by the API: an optional one left empty is removed (null).
    const typeSettings = isAzure
      ? { settings: azureSettingsChange(azure()) }
      : isDroid
        ? { settings: { userAgent: userAgent().trim() || null } }
        : hasMapping
          ? { settings: mappingChange(mapping()) }
          : {};
    const body = {
      ...settingsBody(settings()),
      ...(apiKey().trim() ? { apiKey: apiKey().trim() } : {}),
      ...proxyChange(proxy(), props.account.proxy),
      ...typeSettings,
    };
    props.onSaved(await adminApi.accounts.update(props.account.id, body));
  };
  const form = createForm({ check, send });
  const errors = form.errors;
  return (
    <ModalForm
      title={t("accounts.editTitle", { name: props.account.name })}
      onClose={props.onClose}
      wide
      form={form}
      submitLabel={t("common.save")}
    >
      <p class="muted">{t(TYPE_LABEL[props.account.type])}</p>
      <SettingsFields form={settings()} errors={errors()} onChange={setSettings} />
      <Show when={isBedrock}>
        <BedrockFields form={bedrock()} errors={errors()} editing onChange={setBedrock} />
      </Show>
      <Show when={isAzure}>
        <AzureFields form={azure()} errors={errors()} onChange={setAzure} />
      </Show>
      <Show when={isDroid}>
        <DroidFields userAgent={userAgent()} onChange={setUserAgent} />
      </Show>
      <Show when={hasMapping}>
        <ModelMappingField value={mapping()} error={errors().modelMapping} onInput={setMapping} />
      </Show>
      <AccountOptionFields
        type={props.account.type}
        form={settings()}
        errors={errors()}
        onChange={setSettings}
      />
      <ProxyField form={proxy()} current={props.account.proxy} error={errors().proxy} onChange={setProxy} />
      <Show when={isApiKeyType(props.account.type)}>
        <TextField
          label={t("accounts.newApiKey")}
          error={errors().apiKey}
          hint={t("accounts.newApiKeyHint")}
          name="apiKey"
          type="password"
          autocomplete="off"
          value={apiKey()}
          onInput={setApiKey}
        />
      </Show>
    </ModalForm>
  );
}
