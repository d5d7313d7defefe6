//! A small WebDriver client over plain HTTP (W3C WebDriver, plus chromedriver's endpoint for
//! DevTools commands) for Debian's `chromium` and `chromium-driver`, which the tests start
//! themselves. Nothing is downloaded: a missing browser or driver is a failure with what to
//! install, never a skip (`JAUGE_BROWSER_TESTS=skip` is the only, explicit, way out, for a
//! machine without a browser; `.ci/run` never sets it).
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The keys of the WebDriver protocol the tests press.
pub mod key {
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const SPACE: &str = " ";
    pub const DOWN: &str = "\u{E015}";
    pub const CONTROL: &str = "\u{E009}";
    pub const BACKSPACE: &str = "\u{E003}";
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn program(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

/// Whether the browser tests were explicitly turned off on this machine
/// (`JAUGE_BROWSER_TESTS=skip`); said loudly.
pub fn skipped() -> bool {
    if std::env::var("JAUGE_BROWSER_TESTS").as_deref() == Ok("skip") {
        eprintln!("JAUGE_BROWSER_TESTS=skip: the browser tests did NOT run");
        return true;
    }
    false
}

/// The axe-core script installed by `.ci/browser-deps` (`$JAUGE_AXE_DIR/axe.min.js`, by
/// default `~/.cache/jauge/axe-core/axe.min.js`).
pub fn axe_source() -> String {
    let dir = std::env::var_os("JAUGE_AXE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/jauge/axe-core")
        });
    let f = dir.join("axe.min.js");
    std::fs::read_to_string(&f).unwrap_or_else(|e| {
        panic!(
            "axe-core is missing ({}: {e}): run `bash .ci/browser-deps` (it fetches it from the npm registry)",
            f.display()
        )
    })
}

/// A chromedriver process, stopped when dropped.
pub struct Driver {
    child: Child,
    base: String,
    http: ureq::Agent,
    chromium: PathBuf,
}

impl Driver {
    /// Starts Debian's chromedriver on a free port and waits until it is ready.
    pub fn start() -> Self {
        let chromium = program("JAUGE_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = program("JAUGE_CHROMEDRIVER", "/usr/bin/chromedriver");
        for p in [&chromium, &chromedriver] {
            assert!(
                p.exists(),
                "{} is missing: install Debian's chromium and chromium-driver (`bash .ci/browser-deps`, \
                 which .ci/run calls); the browser tests fail rather than skip",
                p.display()
            );
        }
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let mut last = String::new();
        for _attempt in 0..5 {
            let port = {
                let l = TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap().port()
            };
            let mut child = Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", chromedriver.display()));
            let base = format!("http://127.0.0.1:{port}");
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(st)) = child.try_wait() {
                    last = format!("chromedriver exited: {st}");
                    break;
                }
                if let Ok(mut r) = http.get(format!("{base}/status")).call()
                    && let Ok(s) = r.body_mut().read_to_string()
                    && serde_json::from_str::<Value>(&s).is_ok_and(|v| v["value"]["ready"] == true)
                {
                    return Self {
                        child,
                        base,
                        http,
                        chromium,
                    };
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
            if last.is_empty() {
                last = "chromedriver was not ready within 30 s".into();
            }
        }
        panic!("chromedriver could not be started: {last}");
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let r = match (method, body) {
            ("GET", _) => self.http.get(&url).call(),
            ("DELETE", _) => self.http.delete(&url).call(),
            (_, b) => self
                .http
                .post(&url)
                .header("content-type", "application/json")
                .send(b.unwrap_or(json!({})).to_string()),
        };
        let mut r = r.map_err(|e| format!("{method} {path}: {e}"))?;
        let text = r
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("{method} {path}: {e}: {text}"))?;
        if let Some(err) = v["value"]["error"].as_str() {
            return Err(format!(
                "{method} {path}: {err}: {}",
                v["value"]["message"].as_str().unwrap_or("")
            ));
        }
        Ok(v["value"].clone())
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium window, with a fresh profile (no cookie), JavaScript disabled in the
/// pages (`Emulation.setScriptExecutionDisabled`, which holds across navigations). Closed when
/// dropped, like an agent closing the browser.
pub struct Browser<'d> {
    driver: &'d Driver,
    session: String,
    profile: PathBuf,
    width: u32,
}

impl<'d> Browser<'d> {
    /// Opens a browser `width` CSS pixels wide.
    pub fn open(driver: &'d Driver, width: u32) -> Self {
        let profile = std::env::temp_dir().join(format!(
            "jauge-chromium-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&profile);
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": driver.chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-quic", "--no-first-run", "--disable-extensions",
                    "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=fr-FR",
                    format!("--user-data-dir={}", profile.display()),
                    "--window-size=1280,900",
                ],
            },
            "timeouts": {"script": 60000, "pageLoad": 60000},
        }}});
        let v = driver
            .call("POST", "/session", Some(caps))
            .unwrap_or_else(|e| panic!("starting headless Chromium: {e}"));
        let session = v["sessionId"].as_str().expect("a session id").to_owned();
        let b = Self {
            driver,
            session,
            profile,
            width,
        };
        b.set_width(width);
        b.scripts(false);
        b
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.driver
            .call(method, &format!("/session/{}{path}", self.session), body)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A DevTools command.
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.cmd(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": cmd, "params": params})),
        )
    }

    /// Turns the pages' scripts on or off.
    pub fn scripts(&self, enabled: bool) {
        self.cdp("Emulation.setScriptExecutionDisabled", json!({"value": !enabled}));
    }

    /// The viewport's width in CSS pixels (the height is 900).
    pub fn set_width(&self, width: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
    }

    /// The viewport's width.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Opens `url` (as typing it in the address bar).
    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    /// The address shown.
    pub fn url(&self) -> String {
        self.cmd("GET", "/url", None).as_str().unwrap_or("").to_owned()
    }

    /// The page's title.
    pub fn title(&self) -> String {
        self.cmd("GET", "/title", None).as_str().unwrap_or("").to_owned()
    }

    /// Reads the page (DevTools evaluation: it runs even while the page's scripts are off; it
    /// never clicks nor types).
    pub fn read(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// Presses and releases each key in turn (the keyboard is the only input the tests use).
    pub fn press(&self, keys: &[&str]) {
        let mut actions = Vec::new();
        for k in keys {
            actions.push(json!({"type": "keyDown", "value": k}));
            actions.push(json!({"type": "keyUp", "value": k}));
        }
        self.cmd(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        );
        self.cmd("DELETE", "/actions", None);
    }

    /// Types `text` on the keyboard, one character at a time.
    pub fn type_text(&self, text: &str) {
        let keys: Vec<String> = text.chars().map(|c| c.to_string()).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        self.press(&keys);
    }

    /// Ctrl+A: selects the whole content of the focused field.
    pub fn select_all(&self) {
        self.cmd(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                {"type": "keyDown", "value": key::CONTROL},
                {"type": "keyDown", "value": "a"},
                {"type": "keyUp", "value": "a"},
                {"type": "keyUp", "value": key::CONTROL},
            ]}]})),
        );
        self.cmd("DELETE", "/actions", None);
    }

    /// The focused element: its id, else `TAG:name=value` (`BUTTON:action=answer`).
    pub fn focused(&self) -> String {
        self.read(
            "const e = document.activeElement; if (!e) return ''; \
             return e.id || (e.tagName + ':' + (e.getAttribute('name') || '') + '=' + (e.getAttribute('value') || ''));",
        )
        .as_str()
        .unwrap_or("")
        .to_owned()
    }

    /// Presses Tab until `target` has the focus (at most `max` times); returns how many.
    pub fn tab_to(&self, target: &str, max: usize) -> usize {
        for n in 0..=max {
            if self.focused() == target {
                return n;
            }
            self.press(&[key::TAB]);
        }
        panic!(
            "{target} not reached by the keyboard after {max} Tab presses (focus on {:?}, page {:?})",
            self.focused(),
            self.title()
        );
    }

    /// A PNG of the page from its top, at most `max_height` CSS pixels of it.
    pub fn screenshot(&self, path: &Path, max_height: u32) {
        let (w, h) = {
            let v = self.read(
                "return [document.documentElement.clientWidth, document.documentElement.scrollHeight];",
            );
            (v[0].as_u64().unwrap_or(1280), v[1].as_u64().unwrap_or(900))
        };
        let v = self.cdp(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true,
                   "clip": {"x": 0, "y": 0, "width": w, "height": h.min(u64::from(max_height)), "scale": 1}}),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(v["data"].as_str().expect("screenshot data"))
            .expect("base64 PNG");
        std::fs::write(path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    /// Runs axe-core on the page at WCAG 2.0/2.1 A and AA; returns the violations, one line
    /// each (rule, impact, how many elements, the first element). The page's scripts are on for
    /// the check only (axe needs timers); the pages have none of their own.
    pub fn axe(&self, axe_source: &str) -> Vec<String> {
        self.scripts(true);
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": format!("{axe_source}\n;return typeof axe;"), "args": []})),
        );
        let v = self.cmd(
            "POST",
            "/execute/async",
            Some(json!({"script": "const done = arguments[arguments.length - 1]; \
                axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']}) \
                  .then(r => done({ok: true, passes: r.passes.length, violations: r.violations.map(v => \
                     v.id + ' (' + v.impact + ', ' + v.nodes.length + ' element(s), e.g. ' + v.nodes[0].target.join(' ') + '): ' + v.help)})) \
                  .catch(e => done({ok: false, error: String(e)}));",
                "args": []})),
        );
        self.scripts(false);
        assert_eq!(v["ok"], true, "axe-core failed: {v}");
        v["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap_or("").to_owned())
            .collect()
    }

    /// Whether the page is wider than the viewport (WCAG 1.4.10 reflow: no horizontal
    /// scrolling at 320 px).
    pub fn scrolls_sideways(&self) -> bool {
        self.read("return document.documentElement.scrollWidth > document.documentElement.clientWidth;")
            .as_bool()
            .unwrap_or(true)
    }
}

impl Drop for Browser<'_> {
    fn drop(&mut self) {
        let _ = self
            .driver
            .call("DELETE", &format!("/session/{}", self.session), None);
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
