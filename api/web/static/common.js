/* Shared by the pages: calling the API with the session cookie and its CSRF token,
   and saying what went wrong in Vietnamese. */
(() => {
  "use strict";

  const block = document.getElementById("nhan");
  const labels = block ? JSON.parse(block.textContent || "{}") : {};

  /** The session's CSRF token: every unsafe request made with the cookie must carry it. */
  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  /** fetch() a JSON API route; resolves to {ok, status, data} and never throws on 4xx/5xx. */
  async function api(method, url, body) {
    const headers = { Accept: "application/json", "X-CSRF-Token": csrf() };
    const options = { method, headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, options);
    } catch (error) {
      return { ok: false, status: 0, data: null };
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (error) {
      data = null;
    }
    return { ok: response.ok, status: response.status, data };
  }

  /** A Vietnamese sentence for an API answer that went wrong (the English detail kept after it). */
  function errorText(status, data) {
    if (status === 0) return "Mất kết nối tới máy chủ; hãy thử lại.";
    const error = data && data.error;
    const known = error && labels.errors && labels.errors[error.code];
    if (status === 401) return labels.errors.unauthorized;
    if (known) return error.message ? `${known} (${error.message})` : known;
    if (error && error.message) return `Lỗi: ${error.message}`;
    return `Lỗi máy chủ (${status}).`;
  }

  function statusLabel(code) {
    return (labels.statuses && labels.statuses[code]) || code || "";
  }

  /** "dd/mm/yyyy hh:mm" in Vietnam time. */
  function localTime(iso) {
    if (!iso) return "";
    const when = new Date(iso);
    const parts = new Intl.DateTimeFormat("vi-VN", {
      timeZone: "Asia/Ho_Chi_Minh",
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hour12: false,
    }).formatToParts(when);
    const part = (type) => (parts.find((p) => p.type === type) || {}).value || "";
    return `${part("day")}/${part("month")}/${part("year")} ${part("hour")}:${part("minute")}`;
  }

  /** A new element with a class and text: the pages build their DOM with this, never innerHTML. */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  window.Sohoa = { api, csrf, errorText, statusLabel, localTime, el, labels };
})();
