#!/usr/bin/python3
"""A real X11 drag source for the end-to-end test of dropping files on the Encours window.

Shows a small GTK window at the top-left corner of the display whose button, when dragged with
the mouse, offers the files given as arguments as a `text/uri-list` — what a file manager offers.
The test moves the mouse with xdotool (XTEST: real input events), so the drop goes through the
X drag-and-drop protocol (XDND), GTK, WebKitGTK and Tauri exactly as a user's would.

Prints `ready` once the window is on screen and `drag-end` when a drag finishes.
Needs Debian's python3-gi and gir1.2-gtk-3.0 (installed by .ci/run).
"""
import sys
from pathlib import Path

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402

TITLE = "encours-drag-source"


def main() -> int:
    uris = [Path(p).resolve().as_uri() for p in sys.argv[1:]]
    if not uris:
        print("usage: drag-source.py FILE...", file=sys.stderr)
        return 2
    window = Gtk.Window(title=TITLE)
    window.set_default_size(160, 60)
    window.move(0, 0)
    button = Gtk.Button(label=f"{len(uris)} fichier(s)")
    button.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
    button.drag_source_add_uri_targets()
    button.connect("drag-data-get", lambda _w, _ctx, data, _info, _time: data.set_uris(uris))
    button.connect("drag-end", lambda *_a: print("drag-end", flush=True))
    window.add(button)
    # "ready" once drawn: the test then knows where to press.
    window.connect("map-event", lambda *_a: GLib.idle_add(lambda: print("ready", flush=True) and False))
    window.connect("destroy", Gtk.main_quit)
    window.show_all()
    Gtk.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
