// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { markPlatform, platformOf } from "./platform";

describe("platformOf", () => {
  it("names the platforms of the web views Tauri uses", () => {
    // WebKitGTK (Linux), WKWebView (macOS), WebView2 (Windows).
    expect(platformOf("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko)")).toBe("linux");
    expect(platformOf("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)")).toBe("mac");
    expect(
      platformOf("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Edg/131.0"),
    ).toBe("windows");
    expect(platformOf("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36")).toBe("other");
    expect(platformOf("")).toBe("other");
  });

  it("marks the root element for CSS", () => {
    const root = document.createElement("html");
    markPlatform(root);
    expect(root.dataset.platform).toBe(platformOf(navigator.userAgent));
  });
});
