/**
 * The in-process guards that start before a generated program runs (sandbox.ts runs them).
 * They stop the program (exit code GUARD_EXIT, a "SANDBOX-STOP kind what" line on stderr) the
 * moment it tries to write or delete a file, reach the network, start a process or load native
 * code, so such a solution is scored as failed with the reason. They are a seatbelt inside the
 * interpreter, not the wall: the kernel limits of sandbox.ts hold even against a program that
 * gets past them.
 *
 * Python: an audit hook (PEP 578), which a program cannot remove once added; it watches the
 * interpreter's own audit events (open for writing, os.remove, socket.connect, subprocess.Popen,
 * ctypes.dlopen, ...). SIGXFSZ is set back to its default so that a write past the 0-byte
 * file-size limit ends the process instead of raising an error the program could catch.
 * JavaScript: the fs, child_process, worker_threads and network modules are replaced by stops
 * (and `fetch`), for CommonJS and ES-module importers alike.
 */
export const GUARD_EXIT = 86;
export const STOP_MARK = 'SANDBOX-STOP';

export const PYTHON_GUARD = `import os, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_FILE = {"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link", "os.symlink",
         "os.truncate", "os.utime", "os.setxattr", "os.removexattr", "os.chflags", "os.lchflags", "os.mknod",
         "os.mkfifo", "shutil.rmtree", "shutil.copyfile", "shutil.copymode", "shutil.copystat",
         "shutil.copytree", "shutil.move", "shutil.chown", "shutil.make_archive", "shutil.unpack_archive"}
_NETWORK = {"socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname",
            "socket.gethostbyname_ex", "socket.gethostbyaddr", "socket.sendto", "socket.sendmsg",
            "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect", "webbrowser.open"}
_PROCESS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
            "os.kill", "os.killpg", "pty.spawn", "os.startfile", "signal.pthread_kill", "ctypes.dlopen",
            "ctypes.dlsym", "ctypes.cdata", "ctypes.call_function", "sys.remote_exec"}
def _stop(kind, what):
    os.write(2, ("\\n${STOP_MARK} %s %s\\n" % (kind, what)).encode("utf-8", "replace"))
    os._exit(${GUARD_EXIT})
def _hook(event, args):
    if event == "open":
        path, mode, flags = args
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & _WRITE_FLAGS):
            _stop("file-write", path)
    elif event in _FILE:
        _stop("file-write", args[0] if args else event)
    elif event in _NETWORK:
        _stop("network", event)
    elif event in _PROCESS:
        _stop("process", event)
_path = sys.argv[1]
with open(_path, encoding="utf-8") as _f:
    _source = _f.read()
sys.argv = sys.argv[1:]
sys.addaudithook(_hook)
exec(compile(_source, _path, "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
`;

export const JAVASCRIPT_GUARD = `'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const stop = (kind, what) => {
  try { fs.writeSync(2, '\\n${STOP_MARK} ' + kind + ' ' + String(what) + '\\n'); } catch {}
  process.exit(${GUARD_EXIT});
};
const writeFlag = (flags) => typeof flags === 'number' ? (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND | fs.constants.O_TRUNC)) !== 0 : typeof flags === 'string' && /[wa+]/.test(flags);
const FS_WRITES = ['writeFile', 'appendFile', 'mkdir', 'mkdtemp', 'rm', 'rmdir', 'unlink', 'rename', 'copyFile', 'cp', 'symlink', 'link', 'chmod', 'lchmod', 'chown', 'lchown', 'truncate', 'utimes', 'lutimes', 'createWriteStream'];
for (const name of FS_WRITES) {
  for (const key of [name, name + 'Sync']) if (typeof fs[key] === 'function') fs[key] = (path) => stop('file-write', path);
  if (typeof fs.promises[name] === 'function') fs.promises[name] = async (path) => stop('file-write', path);
}
for (const key of ['open', 'openSync']) {
  const original = fs[key];
  fs[key] = function (path, flags, ...rest) { if (writeFlag(flags)) stop('file-write', path); return original.call(this, path, flags, ...rest); };
}
const openPromise = fs.promises.open;
fs.promises.open = async (path, flags, ...rest) => { if (writeFlag(flags)) stop('file-write', path); return openPromise(path, flags, ...rest); };
// Classes Node itself uses for its own pipes (stdout is a net.Socket) stay; what would reach out is stopped.
const KEEP = new Set(['Socket', 'Stream', 'Server', 'BlockList', 'SocketAddress', 'isIP', 'isIPv4', 'isIPv6', 'getDefaultAutoSelectFamily', 'getDefaultAutoSelectFamilyAttemptTimeout', 'isMainThread']);
const blockModule = (name, kind) => {
  const m = require(name);
  for (const key of Object.keys(m)) {
    if (typeof m[key] !== 'function' || KEEP.has(key)) continue;
    const blocked = function () { stop(kind, name + '.' + key); };
    try { m[key] = blocked; } catch { Object.defineProperty(m, key, { value: blocked, configurable: true, enumerable: true }); }
  }
};
for (const name of ['node:child_process', 'node:worker_threads', 'node:cluster']) blockModule(name, 'process');
for (const name of ['node:net', 'node:tls', 'node:dgram', 'node:http', 'node:https', 'node:http2', 'node:dns', 'node:dns/promises']) blockModule(name, 'network');
const net = require('node:net');
net.Socket.prototype.connect = function () { stop('network', 'net.Socket.connect'); };
net.Server.prototype.listen = function () { stop('network', 'net.Server.listen'); };
for (const key of ['fetch', 'WebSocket', 'EventSource']) if (key in globalThis) globalThis[key] = function () { stop('network', key); };
process.binding = () => stop('process', 'process.binding');
process._linkedBinding = () => stop('process', 'process._linkedBinding');
process.dlopen = () => stop('process', 'process.dlopen');
Module.syncBuiltinESMExports();
`;
