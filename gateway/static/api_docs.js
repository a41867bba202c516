// The API reference page (/api/v1/docs): starts Swagger UI on the OpenAPI document whose URL
// the page names in data-spec-url. No inline script: the Content-Security-Policy forbids it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Never send the document to swagger.io's validator (its default): no other host.
    validatorUrl: null,
    tryItOutEnabled: false,
  });
});
