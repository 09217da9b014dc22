//! The hub's store on PostgreSQL, against a real server (a throw-away cluster): the schema
//! migrates once whoever starts first, and the change feed's cursor never skips a change when
//! writers commit out of order.

mod support;

use fieldcase_hub::postgres::{feed, FeedEntry, Pg};

fn entry(record: &str, n: u32) -> FeedEntry {
    FeedEntry {
        record_id: record.to_string(),
        change_hash: format!("{record}-{n}"),
        from_device: "phone-a".to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hub_processes_starting_together_migrate_once() {
    let db = support::postgres::database().await;
    let (a, b) = tokio::join!(Pg::connect(&db.url), Pg::connect(&db.url));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.schema_version().await.unwrap(), 1);
    assert_eq!(b.schema_version().await.unwrap(), 1);
    // And again, as a restarted process would.
    assert_eq!(Pg::connect(&db.url).await.unwrap().schema_version().await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_url_or_an_absent_server_is_named_not_a_panic() {
    let e = Pg::connect("not a url").await.err().unwrap().to_string();
    assert!(e.contains("not a PostgreSQL URL"), "{e}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = Pg::connect(&format!("postgres://fieldcase@127.0.0.1:{port}/none"))
        .await
        .err()
        .unwrap();
    assert!(matches!(e, fieldcase_hub::postgres::PgError::Unavailable(_)), "{e}");
}

/// The case a sequence gets wrong: a writer takes its number, another commits after it, and
/// a device syncs in between. Here the second writer waits for the first's head, so whichever
/// way they commit, a device that read up to some version holds everything below it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_held_open_while_another_commits_skips_nothing() {
    let db = support::postgres::database().await;
    let pg = Pg::connect(&db.url).await.unwrap();
    pg.append("华新镇", &[entry("r0", 0)]).await.unwrap();

    // Writer 1 appends and holds its transaction open.
    let (mut c1, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let tx1 = c1.transaction().await.unwrap();
    let head1 = feed::append(&tx1, "华新镇", &[entry("r1", 1)]).await.unwrap();
    assert_eq!(head1, 2);

    // Writer 2 (another process) tries to append to the same township: it waits.
    let pg2 = pg.clone();
    let writer2 = tokio::spawn(async move { pg2.append("华新镇", &[entry("r2", 2)]).await.unwrap() });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !writer2.is_finished(),
        "the second writer must wait for the township's head"
    );

    // A writer of another township does not wait.
    assert_eq!(pg.append("白鹤镇", &[entry("b1", 1)]).await.unwrap(), 1);

    // A device syncing now sees only what is committed, and its cursor stops there.
    let (rows, head) = pg.read_after("华新镇", 0, 100).await.unwrap();
    assert_eq!((rows.len(), head), (1, 1));
    let cursor = head;

    tx1.commit().await.unwrap();
    let head2 = writer2.await.unwrap();
    assert_eq!(head2, 3);

    // From its saved cursor the device gets both, in order: nothing skipped.
    let (rows, head) = pg.read_after("华新镇", cursor, 100).await.unwrap();
    let got: Vec<(i64, &str)> = rows.iter().map(|r| (r.version, r.entry.record_id.as_str())).collect();
    assert_eq!(got, [(2, "r1"), (3, "r2")]);
    assert_eq!(head, 3);
}

/// A writer that rolls back leaves no gap: the next one takes the same version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_writer_leaves_no_gap() {
    let db = support::postgres::database().await;
    let pg = Pg::connect(&db.url).await.unwrap();
    let (mut c, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let tx = c.transaction().await.unwrap();
    feed::append(&tx, "华新镇", &[entry("gone", 1), entry("gone", 2)])
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(pg.append("华新镇", &[entry("kept", 1)]).await.unwrap(), 1);
    let (rows, _) = pg.read_after("华新镇", 0, 100).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.version).collect::<Vec<_>>(), [1]);
}

/// Many writers at once, in several townships: every township's versions run 1..n with no
/// gap and no repeat, and a reader polling meanwhile never sees a version before a lower one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_give_each_township_versions_without_gaps() {
    let db = support::postgres::database().await;
    let pg = Pg::connect(&db.url).await.unwrap();
    let townships = ["华新镇", "白鹤镇", "重固镇"];
    let mut writers = vec![];
    for w in 0..12u32 {
        let pg = pg.clone();
        let space = townships[w as usize % townships.len()];
        writers.push(tokio::spawn(async move {
            for n in 0..10u32 {
                pg.append(space, &[entry(&format!("w{w}"), n), entry(&format!("w{w}"), n + 100)])
                    .await
                    .unwrap();
            }
        }));
    }
    // A device of 华新镇 syncing all the while: its cursor only moves over what it holds.
    let reader = {
        let pg = pg.clone();
        tokio::spawn(async move {
            let mut cursor = 0;
            let mut seen = vec![];
            for _ in 0..200 {
                let (rows, head) = pg.read_after("华新镇", cursor, 1000).await.unwrap();
                for r in &rows {
                    assert_eq!(r.version, cursor + 1, "a version skipped or repeated");
                    cursor = r.version;
                    seen.push(r.version);
                }
                assert!(
                    head >= cursor,
                    "the head read in the same snapshot is never behind the rows"
                );
                if cursor == 80 {
                    break;
                }
                tokio::task::yield_now().await;
            }
            seen
        })
    };
    for w in writers {
        w.await.unwrap();
    }
    let seen = reader.await.unwrap();
    assert!(seen.windows(2).all(|p| p[1] == p[0] + 1));
    for space in townships {
        let (rows, head) = pg.read_after(space, 0, 1000).await.unwrap();
        assert_eq!(head, 80, "{space}");
        assert_eq!(
            rows.iter().map(|r| r.version).collect::<Vec<_>>(),
            (1..=80).collect::<Vec<i64>>()
        );
    }
}
