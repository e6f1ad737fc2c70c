/* The document page: send the type and field corrections as PATCH /api/v1/documents/{id}. */
(() => {
  "use strict";
  const { api, errorText, el } = window.Sohoa;

  const form = document.getElementById("form-hieu-chinh");
  if (!form) return;
  const typeSelect = document.getElementById("loai");
  const certified = document.getElementById("ban-sao");
  const stateLine = document.getElementById("trang-thai-luu");
  const button = form.querySelector('button[type="submit"]');

  /** Only what the person changed: the API keeps it as their correction. */
  function changes() {
    const patch = {};
    if (typeSelect.value && typeSelect.value !== typeSelect.dataset.initial) {
      patch.document_type = typeSelect.value;
    }
    const wasCertified = certified.dataset.initial === "true";
    if (certified.checked !== wasCertified) patch.is_certified_copy = certified.checked;
    const fields = {};
    form.querySelectorAll("input[data-field]").forEach((input) => {
      const value = input.value.normalize("NFC").trim();
      if (value !== input.dataset.initial) fields[input.dataset.field] = value === "" ? null : value;
    });
    if (Object.keys(fields).length) patch.fields = fields;
    return patch;
  }

  function saved(doc) {
    typeSelect.dataset.initial = doc.document_type || "";
    certified.dataset.initial = doc.is_certified_copy ? "true" : "false";
    const current = document.getElementById("loai-hien-tai");
    current.textContent = doc.type_label || "";
    form.querySelectorAll("input[data-field]").forEach((input) => {
      const field = doc.fields && doc.fields[input.dataset.field];
      if (!field || !field.corrected) return;
      input.dataset.initial = input.value.normalize("NFC").trim();
      const row = input.closest(".field");
      row.classList.remove("low");
      input.removeAttribute("aria-invalid");
      const confidence = document.getElementById(`tin-cay-${input.dataset.field}`);
      confidence.replaceChildren(el("span", "badge ok", "Đã hiệu chỉnh"));
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const patch = changes();
    if (Object.keys(patch).length === 0) {
      stateLine.textContent = "Không có gì thay đổi.";
      return;
    }
    button.disabled = true;
    stateLine.textContent = "Đang lưu…";
    const answer = await api("PATCH", form.dataset.url, patch);
    button.disabled = false;
    if (answer.ok) {
      saved(answer.data);
      stateLine.textContent = "Đã lưu hiệu chỉnh.";
      stateLine.className = "form-state notice ok";
    } else {
      stateLine.textContent = errorText(answer.status, answer.data);
      stateLine.className = "form-state notice error";
    }
  });
})();
