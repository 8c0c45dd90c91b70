// The rep's page on the local stack: settings, Command Center, every task with its sync state, sync
// errors, failed work in dead-letter queues, and the emulated Salesforce org beside it.
//
// It keeps itself current by polling, cheaply: every 1.5 s it reads the rep's tasks and the org's (the
// two that change as sync happens); the Command Center and the sync errors are read again only when the
// tasks changed (and each minute, for the day's turn); the settings each 10 s, or every round while a
// first sync runs; the connection each 10 s; the dead-letter depths each 5 s. Nothing is read while the
// tab is hidden, and a part of the page is rebuilt only when what it shows changed.

import { ApiError, localStatus, org, rep } from "./api.js";
import * as view from "./view.js";

const POLL_MS = 1500;
const SETTINGS_WATCH_MS = 30000;
const STATUS_VALUES = ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"];
const PRIORITY_VALUES = ["High", "Normal", "Low"];

const $ = (id) => document.getElementById(id);
/** A form's control by name (`form.name` would be the form's own name). */
const field = (form, name) => form.elements.namedItem(name);

const sources = {
  tasks: { every: 0, load: () => rep("GET", "/tasks") },
  org: { every: 0, load: () => org("GET", "/tasks") },
  settings: { every: 10000, load: () => rep("GET", "/settings/sync") },
  connection: { every: 10000, load: () => rep("GET", "/salesforce-connection") },
  commandCenter: { every: 60000, load: () => rep("GET", "/command-center") },
  errors: { every: 10000, load: () => rep("GET", "/sync/errors") },
  status: { every: 5000, load: () => localStatus() },
};
/** When the rep's tasks change, these change with them: read them again in the same round. */
const FOLLOWERS = { tasks: ["commandCenter", "errors"] };

const NAMES = {
  tasks: "the tasks",
  org: "the Salesforce tasks",
  settings: "the settings",
  connection: "the connection",
  commandCenter: "the Command Center",
  errors: "the sync errors",
  status: "the local stack's status",
};

const text = {}; // each source's last answer as JSON text
const data = {}; // ... and as data
const readAt = {};
const problems = new Map(); // sources whose last read failed, and why
const due = new Set(Object.keys(sources));
const recent = new Map(); // ids this page just changed: their echo in the next rounds is not news
let watchSettingsUntil = 0;
let reachable = true;
let settingsDirty = false;

// ---- announcements ---------------------------------------------------------------------------

const pendingNews = { polite: [], urgent: [] };
let newsTimer = null;

function announce(message, urgent = false) {
  pendingNews[urgent ? "urgent" : "polite"].push(message);
  clearTimeout(newsTimer);
  newsTimer = setTimeout(flushNews, 100);
}

function flushNews() {
  for (const [kind, region] of [
    ["polite", $("announcer")],
    ["urgent", $("alerter")],
  ]) {
    const messages = pendingNews[kind].splice(0);
    if (!messages.length) continue;
    const shown = messages.length > 4 ? [...messages.slice(0, 3), `and ${messages.length - 3} more changes`] : messages;
    region.textContent = "";
    // A region read out only when its text changes: cleared first, so the same news twice is read twice.
    setTimeout(() => (region.textContent = shown.join(". ")), 30);
  }
}

function failed(what, error) {
  const message = error instanceof ApiError ? error.message : String(error);
  announce(`${what} failed: ${message}`, true);
}

function markMine(id) {
  recent.set(id, Date.now() + 10000);
}

function isMine(id) {
  const until = recent.get(id);
  if (until === undefined) return false;
  if (until < Date.now()) {
    recent.delete(id);
    return false;
  }
  return true;
}

// ---- polling ---------------------------------------------------------------------------------

async function load(names) {
  const answers = await Promise.allSettled(names.map((name) => sources[name].load()));
  const changed = new Set();
  let unreachable = null;
  answers.forEach((answer, index) => {
    const name = names[index];
    if (answer.status === "rejected") {
      if (answer.reason?.code === "UNREACHABLE") unreachable = answer.reason;
      else problems.set(name, answer.reason?.message ?? String(answer.reason));
      due.add(name);
      return;
    }
    problems.delete(name);
    readAt[name] = Date.now();
    due.delete(name);
    const json = JSON.stringify(answer.value);
    if (json !== text[name]) {
      text[name] = json;
      changed.add(name);
    }
  });
  return { changed, unreachable };
}

async function refresh() {
  const now = Date.now();
  const watching = now < watchSettingsUntil || data.settings?.firstSync?.state === "running";
  const names = Object.keys(sources).filter(
    (name) => due.has(name) || now - (readAt[name] ?? 0) >= sources[name].every || (name === "settings" && watching),
  );
  const first = await load(names);
  const followers = [...first.changed].flatMap((name) => FOLLOWERS[name] ?? []);
  const second = followers.length ? await load([...new Set(followers)]) : { changed: new Set() };
  const changed = new Set([...first.changed, ...second.changed]);
  setReachable(first.unreachable === null);
  for (const name of changed) {
    const before = data[name];
    data[name] = JSON.parse(text[name]);
    render(name, before);
  }
  if (!reachable) return;
  $("liveness").textContent = problems.size
    ? `Could not read ${[...problems].map(([name, message]) => `${NAMES[name]} (${message})`).join(", ")}; trying again…`
    : `Up to date · ${new Date().toLocaleTimeString()}`;
}

function setReachable(now) {
  if (now === reachable) return;
  reachable = now;
  if (!now) {
    $("liveness").textContent = "The local stack does not answer; trying again…";
    announce("The local stack does not answer; the page keeps trying", true);
  } else {
    announce("The local stack answers again");
    for (const name of Object.keys(sources)) due.add(name);
  }
}

let timer = null;
let polling = false;
let again = false;

function schedule(delay) {
  clearTimeout(timer);
  timer = setTimeout(tick, delay);
}

async function tick() {
  if (polling) {
    again = true;
    return;
  }
  polling = true;
  try {
    if (!document.hidden) await refresh();
  } catch (error) {
    console.error(error);
  } finally {
    polling = false;
    schedule(again ? 0 : POLL_MS);
    again = false;
  }
}

/** After the page changed something: read these again now, not at the next round. */
function refreshSoon(...names) {
  for (const name of names.length ? names : Object.keys(sources)) due.add(name);
  schedule(0);
}

// ---- rendering -------------------------------------------------------------------------------

/** Replaces a part's content, keeping the keyboard focus on the same control if it is still there. */
function replace(container, content) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.focusKey : undefined;
  container.replaceChildren(...[content].flat());
  if (key === undefined) return;
  const same = container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
  if (same) same.focus();
  else container.focus();
}

function render(name, before) {
  const value = data[name];
  if (name === "settings") renderSettings(value, before);
  else if (name === "connection") renderConnection(value, before);
  else if (name === "commandCenter") renderCommandCenter(value);
  else if (name === "tasks") {
    replace($("all-tasks"), view.allTasks(value.tasks));
    taskNews(before?.tasks, value.tasks);
  } else if (name === "errors") replace($("sync-errors"), view.syncErrors(value.errors));
  else if (name === "org") {
    replace($("org-tasks"), view.orgTasks(value.tasks));
    orgNews(before?.tasks, value.tasks);
  } else if (name === "status") renderStatus(value, before);
}

function renderSettings(settings, before) {
  const checkbox = $("sync-enabled");
  checkbox.checked = settings.enabled;
  checkbox.disabled = false;
  const zone = $("time-zone");
  const template = $("subject-template");
  if (!settingsDirty && document.activeElement !== zone && document.activeElement !== template) {
    zone.value = settings.timeZone;
    template.value = settings.subjectTemplate;
  }
  const progress = settings.firstSync;
  const bar = $("first-sync-progress");
  const label = $("first-sync-label");
  const total = progress.total;
  if (progress.state === "running" && total === null) {
    bar.removeAttribute("value"); // indeterminate: the count is not known yet
  } else {
    bar.max = Math.max(total ?? 0, 1);
    bar.value = progress.state === "done" ? bar.max : Math.min(progress.imported, bar.max);
  }
  label.textContent = {
    idle: settings.enabled ? "Waiting to start" : "Not run yet",
    running: "Importing from Salesforce…",
    done: "Done",
    failed: "Failed",
  }[progress.state];
  $("first-sync-counts").textContent =
    progress.state === "idle" && total === null
      ? "Turning sync on imports the Salesforce tasks you created or changed in the last 24 hours."
      : `${progress.imported} imported of ${total ?? "?"} · ${progress.deleted} deleted in SIA because Salesforce deleted them`;
  const error = $("first-sync-error");
  error.hidden = !progress.error;
  error.textContent = progress.error ? `${progress.error.message} (${progress.error.code})` : "";

  const was = before?.firstSync;
  if (was && was.state !== progress.state) {
    if (progress.state === "running") announce("First sync started");
    if (progress.state === "done") announce(`First sync done: ${progress.imported} imported, ${progress.deleted} deleted`);
    if (progress.state === "failed") announce(`First sync failed: ${progress.error?.message ?? "no reason given"}`, true);
  }
}

function renderConnection(connection, before) {
  const state = $("connection-state");
  const reason = $("connection-reason");
  const connect = $("connect");
  const disconnect = $("disconnect");
  const who = connection.salesforceUser
    ? `${connection.salesforceUser.name || connection.salesforceUser.username} (${connection.salesforceUser.username}), org ${connection.org.id}`
    : "";
  if (connection.state === "connected") state.textContent = `Connected as ${who}.`;
  else if (connection.state === "revoked") state.textContent = `Salesforce refused the connection of ${who}: sync is paused until you reconnect.`;
  else state.textContent = "Not connected to Salesforce.";
  reason.hidden = !connection.reason;
  reason.textContent = connection.reason ?? "";
  connect.hidden = connection.state === "connected";
  connect.textContent = connection.state === "revoked" ? "Reconnect Salesforce" : "Connect Salesforce";
  disconnect.hidden = connection.state === "none";
  if (before && before.state !== connection.state) {
    announce(`Salesforce connection: ${connection.state}`, connection.state === "revoked");
  }
}

function renderCommandCenter(center) {
  replace($("command-center"), view.commandCenter(center));
  const dueInput = $("new-task-due");
  if (!dueInput.value && !dueInput.dataset.touched) dueInput.value = center.today;
}

function renderStatus(status, before) {
  const waiting = Object.entries(status.deadLetters).filter(([, count]) => count > 0);
  const notice = $("dead-letters");
  notice.hidden = waiting.length === 0;
  $("dead-letter-list").replaceChildren(
    ...waiting.map(([queue, count]) => view.h("li", {}, `${queue}: ${count} message${count === 1 ? "" : "s"}`)),
  );
  const total = waiting.reduce((sum, [, count]) => sum + count, 0);
  const totalBefore = before ? Object.values(before.deadLetters).reduce((sum, count) => sum + count, 0) : 0;
  if (total > totalBefore) announce(`Failed work: ${total} message${total === 1 ? "" : "s"} in dead-letter queues`, true);
  const pending = status.asyncPending ?? 0;
  $("background").textContent = pending
    ? `Background work waiting: ${pending} asynchronous invocation${pending === 1 ? "" : "s"}.`
    : "No background work waiting.";
}

function taskNews(before, after) {
  if (!before) return; // the first look is no news
  const old = new Map(before.map((task) => [task.id, task]));
  for (const task of after) {
    const was = old.get(task.id);
    old.delete(task.id);
    const mine = isMine(task.id);
    if (!was) {
      if (!mine) announce(task.id.startsWith("sf-") ? `Imported from Salesforce: “${task.name}”` : `New task: “${task.name}”`);
      continue;
    }
    if (was.sync.state !== task.sync.state) {
      if (task.sync.state === "synced") announce(`“${task.name}” is synced with Salesforce`);
      if (task.sync.state === "error") announce(`“${task.name}” could not be synced: ${task.sync.error?.message ?? ""}`, true);
    }
    if (!mine && was.status !== task.status) announce(`“${task.name}” is now ${task.status === "complete" ? "complete" : "open"}`);
    else if (!mine && was.updatedAt !== task.updatedAt) announce(`“${task.name}” changed`);
  }
  for (const [id, task] of old) if (!isMine(id)) announce(`“${task.name}” was deleted`);
}

function orgNews(before, after) {
  if (!before) return;
  const old = new Map(before.map((task) => [task.Id, task]));
  for (const task of after) {
    const was = old.get(task.Id);
    old.delete(task.Id);
    if (isMine(task.Id)) continue;
    if (!was) announce(`Salesforce has a new task: “${task.Subject}”`);
    else if (was.Status !== task.Status) announce(`Salesforce: “${task.Subject}” is now ${task.Status}`);
  }
  for (const [id, task] of old) if (!isMine(id)) announce(`Salesforce: “${task.Subject}” was deleted`);
}

// ---- what the rep does -----------------------------------------------------------------------

async function saveSettings(body, what) {
  const checkbox = $("sync-enabled");
  checkbox.disabled = true;
  try {
    const saved = await rep("PUT", "/settings/sync", body);
    settingsDirty = false;
    text.settings = JSON.stringify(saved);
    const before = data.settings;
    data.settings = saved;
    renderSettings(saved, before);
    watchSettingsUntil = Date.now() + SETTINGS_WATCH_MS;
    announce(what(saved));
    refreshSoon();
  } catch (error) {
    failed("Saving the settings", error);
    if (data.settings) checkbox.checked = data.settings.enabled;
  } finally {
    checkbox.disabled = false;
  }
}

function onSyncToggled(event) {
  const enabled = event.target.checked;
  saveSettings({ enabled }, () =>
    enabled ? "Sync is on: importing your recent Salesforce tasks" : "Sync is off: nothing goes either way until you turn it on",
  );
}

function onSettingsSaved(event) {
  event.preventDefault();
  saveSettings(
    { enabled: $("sync-enabled").checked, timeZone: $("time-zone").value.trim(), subjectTemplate: $("subject-template").value },
    () => "Settings saved",
  );
}

async function onConnect() {
  try {
    const answer = await rep("GET", "/salesforce-connection/authorize?returnTo=%2F", undefined, { Accept: "application/json" });
    window.location.assign(answer.authorizeUrl);
  } catch (error) {
    failed("Connecting Salesforce", error);
  }
}

async function onDisconnect() {
  if (!window.confirm("Disconnect Salesforce? Sync stops until you connect again.")) return;
  try {
    await rep("DELETE", "/salesforce-connection");
    announce("Salesforce disconnected");
    refreshSoon("connection", "settings");
  } catch (error) {
    failed("Disconnecting", error);
  }
}

async function onNewTask(event) {
  event.preventDefault();
  const form = event.target;
  const body = { name: field(form, "name").value.trim(), priority: field(form, "priority").value, details: field(form, "details").value };
  if (field(form, "dueDate").value) body.dueDate = field(form, "dueDate").value;
  try {
    const created = await rep("POST", "/tasks", body);
    markMine(created.id);
    field(form, "name").value = "";
    field(form, "details").value = "";
    announce(
      data.settings?.enabled ? `Added “${created.name}”; it goes to Salesforce` : `Added “${created.name}”; it stays local while sync is off`,
    );
    refreshSoon("tasks");
    field(form, "name").focus();
  } catch (error) {
    failed("Adding the task", error);
  }
}

function taskById(id) {
  return data.tasks?.tasks.find((task) => task.id === id);
}

async function changeTask(id, changes, said) {
  markMine(id);
  try {
    const saved = await rep("PATCH", `/tasks/${encodeURIComponent(id)}`, changes);
    announce(said(saved));
    refreshSoon("tasks");
    return true;
  } catch (error) {
    failed("Saving the task", error);
    refreshSoon("tasks");
    return false;
  }
}

async function deleteTask(id) {
  const task = taskById(id);
  if (!window.confirm(`Delete “${task?.name ?? id}”?`)) return;
  markMine(id);
  try {
    await rep("DELETE", `/tasks/${encodeURIComponent(id)}`);
    announce(`Deleted “${task?.name ?? id}”`);
    refreshSoon("tasks");
  } catch (error) {
    failed("Deleting the task", error);
  }
}

function onTaskAction(event) {
  const control = event.target.closest("[data-action]");
  if (!control) return;
  const { action, id } = control.dataset;
  if (event.type === "change" && action === "toggle-task") {
    const complete = control.checked;
    changeTask(id, { status: complete ? "complete" : "open" }, (task) =>
      complete ? `Completed “${task.name}”` : `Reopened “${task.name}”`,
    ).then((ok) => {
      if (!ok) control.checked = !complete;
    });
  } else if (event.type === "click" && action === "edit-task") editTask(id, control);
  else if (event.type === "click" && action === "delete-task") deleteTask(id);
}

// ---- the edit dialogs ------------------------------------------------------------------------

let editing = null;

function openDialog(dialog, context) {
  editing = context;
  dialog.returnValue = "";
  dialog.showModal();
}

function closeDialog(dialog) {
  const context = editing;
  editing = null;
  // The control that opened it may have been rebuilt by a refresh meanwhile: find it by its key.
  const opener = context && document.querySelector(`[data-focus-key="${CSS.escape(context.focusKey)}"]`);
  if (opener) opener.focus();
  return dialog.returnValue === "save" ? context : null;
}

function editTask(id, opener) {
  const task = taskById(id);
  if (!task) return;
  const form = $("task-form");
  field(form, "name").value = task.name;
  field(form, "dueDate").value = task.dueDate ?? "";
  field(form, "priority").value = task.priority;
  field(form, "status").value = task.status;
  field(form, "details").value = task.details;
  openDialog($("task-dialog"), { id, original: task, focusKey: opener.dataset.focusKey });
}

function onTaskDialogClosed() {
  const context = closeDialog($("task-dialog"));
  if (!context) return;
  const form = $("task-form");
  const original = context.original;
  const changes = {};
  if (field(form, "name").value.trim() !== original.name) changes.name = field(form, "name").value.trim();
  if ((field(form, "dueDate").value || null) !== original.dueDate) changes.dueDate = field(form, "dueDate").value || null;
  if (field(form, "priority").value !== original.priority) changes.priority = field(form, "priority").value;
  if (field(form, "status").value !== original.status) changes.status = field(form, "status").value;
  if (field(form, "details").value !== original.details) changes.details = field(form, "details").value;
  if (!Object.keys(changes).length) return announce("Nothing changed");
  changeTask(context.id, changes, (task) => `Saved “${task.name}”`);
}

function orgTaskById(id) {
  return data.org?.tasks.find((task) => task.Id === id);
}

function editOrgTask(id, opener) {
  const task = orgTaskById(id);
  if (!task) return;
  const form = $("org-form");
  field(form, "Subject").value = task.Subject ?? "";
  field(form, "ActivityDate").value = task.ActivityDate ?? "";
  setPicklist(field(form, "Status"), STATUS_VALUES, task.Status);
  setPicklist(field(form, "Priority"), PRIORITY_VALUES, task.Priority);
  field(form, "Description").value = task.Description ?? "";
  openDialog($("org-dialog"), { id, original: task, focusKey: opener.dataset.focusKey });
}

function onOrgDialogClosed() {
  const context = closeDialog($("org-dialog"));
  if (!context) return;
  const form = $("org-form");
  const original = context.original;
  const changes = {};
  for (const name of ["Subject", "ActivityDate", "Status", "Priority", "Description"]) {
    const value = field(form, name).value;
    if (value !== (original[name] ?? "")) changes[name] = value; // "" clears the field
  }
  if (!Object.keys(changes).length) return announce("Nothing changed");
  changeOrgTask(context.id, changes, `Saved “${field(form, "Subject").value}” in Salesforce`);
}

// ---- the Salesforce side ---------------------------------------------------------------------

async function changeOrgTask(id, changes, said) {
  markMine(id);
  try {
    await org("PATCH", `/tasks/${encodeURIComponent(id)}`, changes);
    announce(said);
    refreshSoon("org");
  } catch (error) {
    failed("Saving in Salesforce", error);
  }
}

async function onNewOrgTask(event) {
  event.preventDefault();
  const form = event.target;
  const body = { Subject: field(form, "Subject").value.trim(), Status: field(form, "Status").value, Priority: field(form, "Priority").value };
  if (field(form, "ActivityDate").value) body.ActivityDate = field(form, "ActivityDate").value;
  if (field(form, "Description").value) body.Description = field(form, "Description").value;
  try {
    const created = await org("POST", "/tasks", body);
    markMine(created.id);
    field(form, "Subject").value = "";
    field(form, "Description").value = "";
    announce(`Created “${body.Subject}” in Salesforce`);
    refreshSoon("org");
    field(form, "Subject").focus();
  } catch (error) {
    failed("Creating the Salesforce task", error);
  }
}

function onOrgAction(event) {
  const control = event.target.closest("[data-action]");
  if (!control) return;
  const { action, id } = control.dataset;
  const task = orgTaskById(id);
  if (action === "complete-org-task") changeOrgTask(id, { Status: "Completed" }, `Completed “${task?.Subject}” in Salesforce`);
  else if (action === "edit-org-task") editOrgTask(id, control);
  else if (action === "delete-org-task") {
    if (!window.confirm(`Delete “${task?.Subject ?? id}” in Salesforce?`)) return;
    markMine(id);
    org("DELETE", `/tasks/${encodeURIComponent(id)}`)
      .then(() => {
        announce(`Deleted “${task?.Subject ?? id}” in Salesforce`);
        refreshSoon("org");
      })
      .catch((error) => failed("Deleting in Salesforce", error));
  }
}

function setPicklist(select, values, current) {
  const all = current && !values.includes(current) ? [...values, current] : values; // an org's own value
  select.replaceChildren(...all.map((value) => view.h("option", { value }, value)));
  if (current) select.value = current;
}

// ---- start -----------------------------------------------------------------------------------

function start() {
  for (const select of document.querySelectorAll("[data-picklist]")) {
    const status = select.dataset.picklist === "status";
    setPicklist(select, status ? STATUS_VALUES : PRIORITY_VALUES, status ? "Not Started" : "Normal");
  }
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  $("time-zones").replaceChildren(...[...new Set(["UTC", ...zones])].map((zone) => view.h("option", { value: zone })));

  $("sync-enabled").addEventListener("change", onSyncToggled);
  $("settings-form").addEventListener("submit", onSettingsSaved);
  for (const id of ["time-zone", "subject-template"]) $(id).addEventListener("input", () => (settingsDirty = true));
  $("connect").addEventListener("click", onConnect);
  $("disconnect").addEventListener("click", onDisconnect);
  $("new-task").addEventListener("submit", onNewTask);
  $("new-task-due").addEventListener("input", (event) => (event.target.dataset.touched = "yes"));
  $("new-org-task").addEventListener("submit", onNewOrgTask);
  for (const id of ["command-center", "all-tasks"]) {
    $(id).addEventListener("change", onTaskAction);
    $(id).addEventListener("click", onTaskAction);
  }
  $("org-tasks").addEventListener("click", onOrgAction);
  $("task-dialog").addEventListener("close", onTaskDialogClosed);
  $("org-dialog").addEventListener("close", onOrgDialogClosed);
  for (const id of ["command-center", "all-tasks", "sync-errors", "org-tasks"]) $(id).tabIndex = -1;
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refreshSoon();
  });

  // Back from Salesforce's authorize page: say how it went, and take the note out of the address.
  const query = new URLSearchParams(window.location.search);
  const outcome = query.get("salesforce");
  if (outcome === "connected") announce("Salesforce is connected");
  if (outcome === "refused") announce(`Salesforce did not connect (${query.get("code") ?? "refused"})`, true);
  if (outcome) window.history.replaceState(null, "", window.location.pathname);

  schedule(0);
}

start();
