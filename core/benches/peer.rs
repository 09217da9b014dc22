//! Phone to phone over loopback TCP (`fieldcase_core::sync::peer`): how long two enrolled
//! phones take to give each other N realistic records (one phone holds them all, the other
//! none: the largest exchange), with the bytes on the stream, and a second exchange with
//! nothing new. `cargo bench -p fieldcase-core --bench peer` (SIZES=100,1000 to choose).

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Instant;

use fieldcase_core::model::{Kind, Record};
use fieldcase_core::sync::memory::MemoryHub;
use fieldcase_core::sync::peer::{exchange, ExchangeSummary, PeerCode, PeerSession};
use fieldcase_core::sync::SyncOptions;
use fieldcase_core::{Role, Store};

const KEY: [u8; 32] = [4; 32];

fn session(listener: &Store, connector: &Store) -> (f64, ExchangeSummary, ExchangeSummary) {
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let code = PeerCode::new(&socket.local_addr().unwrap().to_string(), None).unwrap();
    let started = Instant::now();
    let (l, c) = std::thread::scope(|s| {
        let l = s.spawn(|| {
            let (mut stream, _) = socket.accept().unwrap();
            stream.set_nodelay(true).unwrap();
            exchange(PeerSession::listen(listener, code.key).unwrap(), &mut stream).unwrap()
        });
        let mut stream = TcpStream::connect(&code.address).unwrap();
        stream.set_nodelay(true).unwrap();
        let c = exchange(PeerSession::connect(connector, code.key).unwrap(), &mut stream).unwrap();
        (l.join().unwrap(), c)
    });
    (started.elapsed().as_secs_f64(), l, c)
}

fn main() {
    let sizes: Vec<usize> = std::env::var("SIZES")
        .unwrap_or_else(|_| "100,1000,5000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!("| records | first exchange | records/s | bytes on the stream | again, nothing new | bytes |");
    println!("|---|---|---|---|---|---|");
    for n in sizes {
        let dir = tempfile::tempdir().unwrap();
        let hub = Store::create(&dir.path().join("hub"), &KEY, "青浦区", "办公室", Role::Office).unwrap();
        hub.hub().register().unwrap();
        let hub = Arc::new(hub);
        let memory = MemoryHub::new(hub.clone());
        let join = |name: &str, user: &str| {
            let code = hub.hub().enroll("华新镇", Role::Inspector, user).unwrap().code;
            let s = Store::create_by_joining(&dir.path().join(name), &KEY, &memory, "https://hub.test/", None, &code)
                .unwrap()
                .0;
            s.sync().run(&memory, &SyncOptions::default()).unwrap();
            s
        };
        let zhang = join("zhang", "张丽");
        let wu = join("wu", "吴军");
        let w = zhang.writer();
        for i in 0..n {
            let kind = [Kind::Case, Kind::Incident, Kind::Interview][i % 3];
            w.create_json(kind, Record::example(kind).to_json()).unwrap();
        }
        let (secs, l, c) = session(&zhang, &wu);
        assert_eq!(wu.count().unwrap(), n);
        let (again, l2, c2) = session(&zhang, &wu);
        println!(
            "| {n} | {:.2} s | {:.0} | {} | {:.0} ms | {} |",
            secs,
            n as f64 / secs,
            l.bytes_sent + c.bytes_sent,
            again * 1000.0,
            l2.bytes_sent + c2.bytes_sent
        );
    }
}
