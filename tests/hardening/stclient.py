"""A minimal Streamlit client: what a browser tab does, over the real websocket and HTTP API.

Why not AppTest: AppTest swaps process-global state on every run (``Runtime._instance``, a
patched ``config.get_option``), so several AppTests driven from threads would test AppTest's
own thread safety, not the app's. A real ``streamlit run`` server with several real sessions
tests what users get: one process, shared ``st.cache_resource`` models, concurrent script
threads. Why not Chromium tabs: eight of them would need more memory and CPU than the two cores
this suite runs on, to render pixels nobody checks here.

The protocol, as the frontend speaks it (Streamlit 1.67): GET ``/_stcore/health`` sets the
XSRF cookie; the websocket ``/_stcore/stream`` carries the cookie's value as its second
subprotocol; each script run is a ``BackMsg.rerun_script`` with the page name, the query string
and the widget states, answered by ``ForwardMsg`` deltas until ``script_finished``. An upload
asks the session for upload URLs (``file_urls_request``), PUTs the file there with the XSRF
header, and reruns with the file in the uploader's widget state.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import requests
import websocket
from google.protobuf.json_format import MessageToDict
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``streamlit run app.py`` as a subprocess with the repository's own config (no
    ``--server.address``: the config's loopback default is what is being served)."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=REPO, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **env},
            stdout=self.log, stderr=subprocess.STDOUT)
        self.log_path = log
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{self.url}/_stcore/health", timeout=2).text == "ok":
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("streamlit did not start:\n" + self.log_text())
            time.sleep(0.3)

    def rss_kib(self) -> dict[str, int]:
        """Resident memory now and at its peak (VmRSS, VmHWM), from the kernel."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return {k: int(fields[k].split()[0]) for k in ("VmRSS", "VmHWM")}

    def resource_cache_entries(self) -> dict[str, int]:
        """Entries per ``st.cache_resource`` function, from the server's own metrics endpoint
        (Streamlit reports an item count per function unless expensive stats are on)."""
        text = requests.get(f"{self.url}/_stcore/metrics",
                            params={"families": "cache_memory_bytes"}, timeout=10).text
        found = {}
        for line in text.splitlines():
            if line.startswith("cache_memory_bytes{") and 'cache_type="st_cache_resource"' in line:
                name = line.split('cache="', 1)[1].split('"', 1)[0]
                found[name] = int(float(line.rsplit(" ", 1)[1]))
        return found

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.log.close()


@dataclass
class Page:
    """What one script run showed: every element as (type, dict), and the final query string."""

    elements: list[tuple[str, dict]] = field(default_factory=list)
    query_string: str = ""
    finished: str = ""

    def of(self, kind: str) -> list[dict]:
        return [e for k, e in self.elements if k == kind]

    def bodies(self, *kinds: str) -> list[str]:
        return [e.get("body", "") for k, e in self.elements if k in kinds]

    def widget(self, kind: str, key: str) -> dict:
        """A widget by its user key (Streamlit's element id ends with the key)."""
        for element in self.of(kind):
            if element.get("id", "").endswith(f"-{key}"):
                return element
        raise KeyError(f"no {kind} with key {key!r} among {[e.get('id') for e in self.of(kind)]}")

    @property
    def exceptions(self) -> list[str]:
        return [f"{e.get('type')}: {e.get('message')}" for e in self.of("exception")]


class Session:
    """One browser tab: its own cookie, websocket and Streamlit session."""

    def __init__(self, base_url: str, timeout: float = 240) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.http = requests.Session()
        self.http.get(f"{base_url}/_stcore/health", timeout=30).raise_for_status()
        self.xsrf = self.http.cookies.get("_streamlit_xsrf")
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = websocket.create_connection(
            ws_url, subprotocol=None, header=[f"Sec-WebSocket-Protocol: streamlit, {self.xsrf}"],
            cookie=cookie, origin=base_url, timeout=timeout)
        self.session_id = ""
        self.page_name = ""

    def close(self) -> None:
        self.ws.close()

    def _send(self, msg: BackMsg) -> None:
        self.ws.send_binary(msg.SerializeToString())

    def _receive(self) -> ForwardMsg:
        msg = ForwardMsg()
        msg.ParseFromString(self.ws.recv())
        if msg.WhichOneof("type") == "new_session":
            self.session_id = msg.new_session.initialize.session_id
        return msg

    def run(self, page_name: str, query: dict | None = None,
            widgets: list[WidgetState] | None = None) -> Page:
        """Run ``page_name`` (its URL path, e.g. "compare") once; return what it showed."""
        back = BackMsg()
        back.rerun_script.query_string = urlencode(query or {})
        back.rerun_script.page_name = page_name
        back.rerun_script.widget_states.widgets.extend(widgets or [])
        self._send(back)
        self.page_name = page_name
        page = Page(query_string=back.rerun_script.query_string)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            msg = self._receive()
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                which = element.WhichOneof("type")
                page.elements.append((which, MessageToDict(getattr(element, which))))
            elif kind == "page_info_changed":
                page.query_string = msg.page_info_changed.query_string
            elif kind == "script_finished":
                page.finished = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                if msg.script_finished != ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                    return page
        raise TimeoutError(f"{page_name} did not finish within {self.timeout} s")

    def upload(self, uploader_id: str, files: list[tuple[str, bytes]]) -> WidgetState:
        """Upload files as the browser does; returns the uploader's widget state to rerun with."""
        back = BackMsg()
        request_id = uuid.uuid4().hex
        back.file_urls_request.request_id = request_id
        back.file_urls_request.file_names.extend(name for name, _ in files)
        back.file_urls_request.session_id = self.session_id
        self._send(back)
        while True:
            msg = self._receive()
            if (msg.WhichOneof("type") == "file_urls_response"
                    and msg.file_urls_response.response_id == request_id):
                break
        assert not msg.file_urls_response.error_msg, msg.file_urls_response.error_msg
        state = WidgetState(id=uploader_id)
        # A fresh connection: the pooled one from the health check may have outlived the
        # server's keep-alive (uvicorn: 5 s) while the page ran, and a PUT sent on it just as
        # the server closes it fails with "connection reset by peer".
        self.http.close()
        for (name, content), urls in zip(files, msg.file_urls_response.file_urls):
            response = self.http.put(self.base_url + urls.upload_url,
                                     files={"file": (name, content, "application/octet-stream")},
                                     headers={"X-Xsrftoken": self.xsrf}, timeout=60)
            response.raise_for_status()
            info = state.file_uploader_state_value.uploaded_file_info.add()
            info.name, info.size, info.file_id = name, len(content), urls.file_id
            info.file_urls.CopyFrom(urls)
        return state
