// Live updates for the Process Center page: listens to the tenant's job
// changes (Server-Sent Events) and swaps in the server-rendered rows that
// changed, so the page never reloads. Plain JavaScript, no build step.
(() => {
  "use strict";

  const host = document.querySelector("[data-events]");
  const status = document.getElementById("live-status");
  if (!host) {
    if (status) status.hidden = true;
    return;
  }
  const setStatus = (state, text) => {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
  };
  if (!window.EventSource) {
    setStatus("offline", "Live updates need a newer browser; reload to see changes.");
    return;
  }

  const announcer = document.createElement("p");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "polite");
  document.body.appendChild(announcer);
  const announce = (text) => { announcer.textContent = text; };

  const table = document.querySelector("table.jobs");
  const detail = document.getElementById("job-detail");
  const newJobs = document.getElementById("new-jobs");
  // The newest request per job wins, whatever order the answers come in.
  const latest = new Map();
  let ended = false;

  const source = new EventSource(host.dataset.events);
  source.addEventListener("open", () => setStatus("live", "Live"));
  source.addEventListener("error", () => {
    if (ended) return;
    // CLOSED means the server refused the stream (a session that ended, a
    // tenant that went away); the browser will not retry on its own.
    if (source.readyState === EventSource.CLOSED) {
      setStatus("offline", "Live updates stopped. Reload the page to see changes.");
    } else {
      setStatus("offline", "Live updates paused, reconnecting…");
    }
  });
  source.addEventListener("job", (message) => {
    let change;
    try { change = JSON.parse(message.data); } catch { return; }
    if (detail) {
      if (change.jobId === detail.dataset.jobId) refreshDetail();
      return;
    }
    const row = document.getElementById("job-" + change.jobId);
    if (row && table) refreshRow(change.jobId);
    else if (host.dataset.watchNew === "true" && change.fromStatus === null && newJobs) {
      newJobs.hidden = false;
    }
  });

  async function fetchHtml(url) {
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (response.status === 401) {
      ended = true;
      source.close();
      setStatus("offline", "Your session has ended. Sign in again to see changes.");
      return null;
    }
    return response.ok ? response.text() : null;
  }

  async function refreshRow(jobId) {
    const ticket = (latest.get(jobId) || 0) + 1;
    latest.set(jobId, ticket);
    const html = await fetchHtml(`${table.dataset.rows}/${jobId}/row`);
    const row = document.getElementById("job-" + jobId);
    if (html === null || !row || latest.get(jobId) !== ticket) return;
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const fresh = template.content.firstElementChild;
    if (!fresh) return;
    fresh.classList.add("changed");
    row.replaceWith(fresh);
    const type = fresh.querySelector("a")?.textContent || "A job";
    const badge = fresh.querySelector(".badge")?.textContent || "";
    announce(`${type} is now ${badge}.`);
  }

  async function refreshDetail() {
    const ticket = (latest.get("detail") || 0) + 1;
    latest.set("detail", ticket);
    const html = await fetchHtml(window.location.href);
    if (html === null || latest.get("detail") !== ticket) return;
    const page = new DOMParser().parseFromString(html, "text/html");
    const body = page.getElementById("job-body");
    const current = document.getElementById("job-body");
    if (body && current) {
      current.replaceWith(body);
      const badge = body.querySelector(".badge")?.textContent || "";
      announce(`This job is now ${badge}.`);
    }
  }

  window.addEventListener("pagehide", () => { ended = true; source.close(); });
})();
