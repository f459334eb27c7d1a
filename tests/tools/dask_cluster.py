"""A real Dask cluster on 127.0.0.1 for tests: `dask-scheduler` on a free port
(it picks it and writes it to a scheduler file) and N `dask-worker`s with one
thread each; every process in its own session, killed by id at the end."""
import json
import os
import signal
import subprocess
import tempfile
import time


class LocalDaskCluster:
    def __init__(self, workers=2, timeout_s=90):
        self.tmp = tempfile.TemporaryDirectory(prefix="loomvp-dask-")
        self.procs = []
        scheduler_file = os.path.join(self.tmp.name, "scheduler.json")
        self.log_file = log = open(os.path.join(self.tmp.name, "cluster.log"), "w")
        try:
            self._start(["/usr/bin/dask-scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                         "--scheduler-file", scheduler_file], log)
            deadline = time.monotonic() + timeout_s
            while not os.path.exists(scheduler_file):
                if time.monotonic() > deadline or self.procs[0].poll() is not None:
                    raise RuntimeError("dask-scheduler did not start: " + self.log())
                time.sleep(0.2)
            time.sleep(0.2)  # the file is written whole, but give the writer its close
            with open(scheduler_file) as f:
                self.address = json.load(f)["address"]
            for i in range(workers):
                self._start(["/usr/bin/dask-worker", self.address, "--nthreads", "1", "--no-dashboard",
                             "--host", "127.0.0.1", "--name", "w%d" % i, "--local-directory", self.tmp.name], log)
            from distributed import Client
            with Client(self.address, timeout=timeout_s) as client:
                client.wait_for_workers(workers, timeout=timeout_s)
        except BaseException:
            self.close()
            raise

    def _start(self, argv, log):
        self.procs.append(subprocess.Popen(argv, stdout=log, stderr=log, start_new_session=True))

    def log(self):
        try:
            with open(os.path.join(self.tmp.name, "cluster.log")) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def close(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs = []
        self.log_file.close()
        self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
