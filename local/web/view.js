// What each part of the page shows, made from the API's JSON: plain functions that return elements.
// Text always goes in as text (never as HTML), so a task named "<b>" is shown as typed. Controls carry
// data-action and data-id; app.js listens on their sections, and data-focus-key lets it put the focus
// back on the same control after a refresh has rebuilt the part around it.

export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "checked" || name === "value" || name === "disabled") element[name] = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
const yearDateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** A calendar date (YYYY-MM-DD), shown as the same date everywhere: never shifted by a time zone. */
export function calendarDate(value) {
  if (!value) return h("span", { class: "muted" }, "no date");
  const day = new Date(`${value}T00:00:00Z`);
  const format = day.getUTCFullYear() === new Date().getFullYear() ? dateFormat : yearDateFormat;
  return h("time", { datetime: value }, format.format(day));
}

/** An instant, in the browser's own time zone. Salesforce's panel writes "YYYY-MM-DD hh:mm:ss+00:00". */
export function instant(value) {
  if (!value) return h("span", { class: "muted" }, "never");
  const parsed = new Date(String(value).replace(" ", "T"));
  if (Number.isNaN(parsed.getTime())) return h("span", {}, String(value));
  return h("time", { datetime: parsed.toISOString() }, timeFormat.format(parsed));
}

export function addDays(isoDate, days) {
  const day = new Date(`${isoDate}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

const SYNC_LABELS = { local: "Local only", pending: "Pending", synced: "Synced", error: "Sync error" };

/** A task's sync state as words: the badge, and what stands behind it. */
export function syncStatus(sync) {
  const state = sync?.state ?? "local";
  const badge = h("span", { class: `badge badge-${state}` }, SYNC_LABELS[state] ?? state);
  let detail = null;
  if (state === "synced") {
    detail = h("span", { class: "sync-detail" }, `Salesforce ${sync.salesforceId} · `, instant(sync.lastSyncedAt));
  } else if (state === "pending") {
    detail = h("span", { class: "sync-detail" }, sync.salesforceId ? `to Salesforce ${sync.salesforceId}` : "on its way to Salesforce");
  } else if (state === "error" && sync.error) {
    const retry = sync.error.willRetry ? "will be retried" : "will not be retried";
    detail = h("span", { class: "sync-detail error" }, `${sync.error.message} (${sync.error.code}; ${retry})`);
  } else if (state === "local") {
    detail = h("span", { class: "sync-detail" }, "not sent to Salesforce");
  }
  return h("span", { class: "sync" }, badge, " ", detail);
}

function taskButtons(where, task) {
  return h(
    "span",
    { class: "actions" },
    h(
      "button",
      {
        type: "button",
        class: "small",
        dataset: { action: "edit-task", id: task.id, focusKey: `${where}:edit:${task.id}` },
        "aria-label": `Edit “${task.name}”`,
      },
      "Edit",
    ),
    h(
      "button",
      {
        type: "button",
        class: "small danger",
        dataset: { action: "delete-task", id: task.id, focusKey: `${where}:delete:${task.id}` },
        "aria-label": `Delete “${task.name}”`,
      },
      "Delete",
    ),
  );
}

function taskItem(task) {
  const done = task.status === "complete";
  return h(
    "li",
    { class: done ? "complete" : "open", dataset: { taskId: task.id } },
    h(
      "label",
      { class: "task-name" },
      h("input", {
        type: "checkbox",
        checked: done,
        dataset: { action: "toggle-task", id: task.id, focusKey: `cc:toggle:${task.id}` },
      }),
      h("span", { class: "visually-hidden" }, "Done: "),
      h("span", { class: "name-text" }, task.name),
    ),
    task.priority === "high" ? h("span", { class: "badge badge-high" }, "High") : null,
    syncStatus(task.sync),
    taskButtons("cc", task),
  );
}

/** Today and tomorrow in the rep's time zone, open tasks first, as the API lists them. */
export function commandCenter(data) {
  const tomorrow = addDays(data.today, 1);
  const days = [
    ["Today", data.today],
    ["Tomorrow", tomorrow],
  ];
  return days.map(([title, day]) => {
    const tasks = data.tasks.filter((task) => task.dueDate === day);
    const headingId = `cc-${title.toLowerCase()}`;
    return h(
      "div",
      { class: "day", dataset: { day } },
      h("h3", { id: headingId }, `${title} `, h("span", { class: "muted" }, calendarDate(day))),
      tasks.length
        ? h("ul", { class: "task-list", "aria-labelledby": headingId }, tasks.map(taskItem))
        : h("p", { class: "muted" }, `Nothing due ${title.toLowerCase()}.`),
    );
  });
}

export function allTasks(tasks) {
  if (!tasks.length) return h("p", { class: "muted" }, "No tasks yet.");
  const rows = tasks.map((task) =>
    h(
      "tr",
      { dataset: { taskId: task.id } },
      h("td", {}, task.name, task.details ? h("div", { class: "sync-detail" }, task.details) : null),
      h("td", {}, task.status === "complete" ? "Complete" : "Open"),
      h("td", {}, task.priority === "high" ? "High" : "Normal"),
      h("td", { class: "nowrap" }, calendarDate(task.dueDate)),
      h("td", { class: "sync-cell" }, syncStatus(task.sync)),
      h("td", {}, taskButtons("all", task)),
    ),
  );
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      h("caption", { class: "visually-hidden" }, "All of the rep's tasks, with each one's sync state"),
      h("thead", {}, h("tr", {}, ["Task", "Status", "Priority", "Due", "Sync", "Actions"].map((name) => h("th", { scope: "col" }, name)))),
      h("tbody", {}, rows),
    ),
  );
}

const ERROR_KINDS = {
  permanent: "Refused by Salesforce",
  auth: "Connection refused",
  conflict: "Conflict",
  dead_letter: "Gave up after retries",
  transient: "Salesforce busy (retrying)",
};

export function syncErrors(errors) {
  if (!errors.length) return h("p", { class: "muted" }, "No sync errors.");
  return h(
    "ul",
    { class: "task-list" },
    errors.map((error) =>
      h(
        "li",
        {},
        h("span", { class: error.kind === "conflict" ? "badge badge-pending" : "badge badge-error" }, ERROR_KINDS[error.kind] ?? error.kind),
        h("span", {}, error.task ? `“${error.task.name}”: ` : error.salesforceId ? `Salesforce ${error.salesforceId}: ` : "", error.message),
        h(
          "span",
          { class: "sync-detail" },
          `${error.code}`,
          error.field ? ` · field ${error.field}` : "",
          error.winner ? ` · ${error.winner} won` : "",
          " · ",
          instant(error.occurredAt),
        ),
      ),
    ),
  );
}

export function orgTasks(tasks) {
  if (!tasks.length) return h("p", { class: "muted" }, "The rep has no Salesforce tasks.");
  const button = (action, id, label, text, extra = "") =>
    h("button", { type: "button", class: `small ${extra}`, dataset: { action, id, focusKey: `org:${action}:${id}` }, "aria-label": label }, text);
  const items = tasks.map((task) =>
    h(
      "li",
      { dataset: { sfId: task.Id } },
      h(
        "div",
        { class: "org-task" },
        h("span", { class: "sf-subject" }, task.Subject),
        h(
          "span",
          { class: "sync-detail" },
          "Status ",
          h("strong", { class: "sf-status" }, task.Status ?? ""),
          " · Priority ",
          h("strong", {}, task.Priority ?? ""),
          " · Due ",
          calendarDate(task.ActivityDate),
        ),
        task.Description ? h("span", { class: "comments" }, task.Description) : null,
        h("span", { class: "sync-detail" }, `${task.Id} · changed `, instant(task.LastModifiedDate)),
      ),
      h(
        "span",
        { class: "actions" },
        task.Status === "Completed" ? null : button("complete-org-task", task.Id, `Complete “${task.Subject}” in Salesforce`, "Complete"),
        button("edit-org-task", task.Id, `Edit “${task.Subject}” in Salesforce`, "Edit"),
        button("delete-org-task", task.Id, `Delete “${task.Subject}” in Salesforce`, "Delete", "danger"),
      ),
    ),
  );
  return h("ul", { class: "task-list", "aria-label": "The rep's Salesforce tasks, newest change first" }, items);
}
