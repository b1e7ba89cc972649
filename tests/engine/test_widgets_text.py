"""The text fallback: terminal IPython cannot show a widget, so it prints the view's whole text."""
import os
import subprocess
import sys
from pathlib import Path

from dockermagic.widgets import ContainersView, NetworksView


def _container(client, cleanup):
    c = client.containers.run("debian:bookworm", ["sleep", "infinity"], detach=True, name=cleanup.name("wt"),
                              labels=cleanup.labels, ports={"80/tcp": ("127.0.0.1", None)})
    cleanup.container(c)
    c.reload()
    return c, c.attrs["NetworkSettings"]["IPAddress"], c.attrs["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]


def test_terminal_ipython_prints_the_views_as_text(client, cleanup, images, tmp_path):
    c, ip_addr, port = _container(client, cleanup)
    script = "%load_ext dockermagic\n%docker ps --watch\n%docker network ls --watch\n"
    ipython = Path(sys.executable).with_name("ipython")
    run = subprocess.run([str(ipython), "--no-banner", "--simple-prompt", "--colors=nocolor"], input=script,
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "IPYTHONDIR": str(tmp_path)})
    out = run.stdout
    assert run.returncode == 0, run.stderr
    ps_line = [line for line in out.splitlines() if c.name in line and "running" in line]
    assert ps_line, out
    assert "debian:bookworm (stand-in)" in ps_line[0] and f"127.0.0.1:{port}->80/tcp" in ps_line[0]
    assert ps_line[0].rstrip().endswith(ip_addr)  # the whole row: ipywidgets would cut at 110 characters
    assert "bridge (docker0) subnet" in out
    assert f"  {c.name} eth0 {ip_addr} 127.0.0.1:{port}->80/tcp" in out
    assert "Traceback" not in out + run.stderr


def test_display_gives_a_terminal_the_full_text_and_a_snapshot_beside_the_widget(ip, client, cleanup, images,
                                                                                  monkeypatch):
    c, ip_addr, _ = _container(client, cleanup)
    published = []
    monkeypatch.setattr(ip.display_pub, "publish", lambda data, *a, **kw: published.append(data))
    for kind in (ContainersView, NetworksView):
        view = kind(client=client)
        try:
            published.clear()
            ip.display_formatter.format(view)  # what a cell's last line does: the view displays itself
            # no kernel (terminal IPython): one output, the whole text
            assert published == [{"text/plain": repr(view)}] and c.name in repr(view) and ip_addr in repr(view)
            assert "application/vnd.jupyter.widget-view+json" in view._repr_mimebundle_()  # Jupyter gets the widget
            snap = view.snapshot()
            assert snap["text/plain"] == repr(view)
            html = snap["text/html"]
            assert c.name in html and ip_addr in html and f"{kind.__name__} as of " in html
            assert f"dockermagic-snapshot-{view.model_id}" in html
            assert f"dockermagic-live-{view.model_id}" in view._dom_classes  # what the style rule looks for
        finally:
            view.close()
