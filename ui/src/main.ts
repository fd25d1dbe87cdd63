import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { markPlatform } from "./lib/platform";
// Applies the stored theme and density before the first frame (Paramètres → Affichage).
import "./lib/settings/preferences.svelte";

// Before the first frame: the font stack depends on it (app.css).
markPlatform();

const target = document.getElementById("app");
if (!target) throw new Error("missing #app element");

export default mount(App, { target });
