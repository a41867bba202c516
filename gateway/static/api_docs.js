// The API reference page (/api/v1/docs): starts Swagger UI on the OpenAPI document whose URL
// the page names in data-spec-url. No inline script: the Content-Security-Policy forbids it.
// Swagger UI leaves some of its controls without a name a screen reader can say (the server
// list); those are named as they appear.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    // No deep-link anchors: they sit inside each operation's button (nested controls).
    deepLinking: false,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Never send the document to swagger.io's validator (its default): no other host.
    validatorUrl: null,
    tryItOutEnabled: false,
  });
  nameUnnamedSelects(root);
  new MutationObserver(() => nameUnnamedSelects(root)).observe(root, {
    childList: true,
    subtree: true,
  });
});

function nameUnnamedSelects(root) {
  for (const select of root.querySelectorAll("select:not([aria-label])")) {
    // A label that only wraps the select says nothing but the select's own options.
    const own = select.textContent;
    const labelled = Array.from(select.labels || []).some(
      (label) => label.textContent.replace(own, "").trim(),
    );
    if (!labelled) {
      select.setAttribute("aria-label", select.id === "servers" ? "Server" : "Choose a value");
    }
  }
}
