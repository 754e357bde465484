BEGIN TRANSACTION;
CREATE TABLE assets (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        media_type TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
INSERT INTO "assets" VALUES('a8de60266ba34137bf61e804b1442f6cb63dd1fdd6c463c8df7ce51412937dc9',95,'image/png','2026-06-01T04:00:14.000000Z');
CREATE TABLE attendance (
        meeting_id TEXT NOT NULL,
        member_no TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        at TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        seq INTEGER NOT NULL,
        PRIMARY KEY (meeting_id, member_no)
    );
CREATE TABLE changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        subject TEXT NOT NULL
    );
INSERT INTO "changes" VALUES(1,'2026-06-01T04:00:21.000000Z','publish','all','p-8nt1npoelK');
INSERT INTO "changes" VALUES(2,'2026-06-01T04:00:28.000000Z','publish','screen:lobby-1','n-Tbh7bNg495');
INSERT INTO "changes" VALUES(3,'2026-06-01T04:00:35.000000Z','publish','screen:hall-2','n-0y6pQKh9Hm');
INSERT INTO "changes" VALUES(4,'2026-06-01T04:00:42.000000Z','publish','all','n-3Hmoy6UeW-');
INSERT INTO "changes" VALUES(5,'2026-06-01T04:00:49.000000Z','withdraw','all','n-3Hmoy6UeW-');
INSERT INTO "changes" VALUES(6,'2026-06-01T04:00:56.000000Z','settings','all','all');
INSERT INTO "changes" VALUES(7,'2026-06-01T04:01:03.000000Z','settings','screen:lobby-1','lobby-1');
INSERT INTO "changes" VALUES(8,'2026-06-01T04:01:24.000000Z','publish','screen:hall-2','m-zoFTSASWg-');
CREATE TABLE items (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        title TEXT NOT NULL,
        priority INTEGER NOT NULL,
        valid_from TEXT,
        valid_until TEXT,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_seq INTEGER NOT NULL,
        changed_seq INTEGER NOT NULL,
        withdrawn_at TEXT
    );
INSERT INTO "items" VALUES('p-8nt1npoelK','poster','all','不忘初心',3,NULL,NULL,'{"id":"p-8nt1npoelK","title":"不忘初心","valid_from":null,"valid_until":null,"priority":3,"display_seconds":null,"show_on":[],"festive":false,"kind":"poster","image":{"sha256":"a8de60266ba34137bf61e804b1442f6cb63dd1fdd6c463c8df7ce51412937dc9","size":95,"media_type":"image/png"}}','2026-06-01T04:00:21.000000Z',1,1,NULL);
INSERT INTO "items" VALUES('n-Tbh7bNg495','notice','screen:lobby-1','通知',0,NULL,NULL,'{"id":"n-Tbh7bNg495","title":"通知","valid_from":null,"valid_until":null,"priority":0,"display_seconds":null,"show_on":[],"festive":false,"kind":"notice","text":"周五下午三点开会","urgent":false}','2026-06-01T04:00:28.000000Z',2,2,NULL);
INSERT INTO "items" VALUES('n-0y6pQKh9Hm','notice','screen:hall-2','通知',0,NULL,NULL,'{"id":"n-0y6pQKh9Hm","title":"通知","valid_from":null,"valid_until":null,"priority":0,"display_seconds":null,"show_on":[],"festive":false,"kind":"notice","text":"大厅专用","urgent":false}','2026-06-01T04:00:35.000000Z',3,3,NULL);
INSERT INTO "items" VALUES('n-3Hmoy6UeW-','notice','all','通知',0,NULL,NULL,'{"id":"n-3Hmoy6UeW-","title":"通知","valid_from":null,"valid_until":null,"priority":0,"display_seconds":null,"show_on":[],"festive":false,"kind":"notice","text":"撤回","urgent":false}','2026-06-01T04:00:42.000000Z',4,5,'2026-06-01T04:00:49.000000Z');
INSERT INTO "items" VALUES('m-zoFTSASWg-','meeting','screen:hall-2','七月党课',0,'2026-07-01T00:30:00.000000Z','2026-07-01T03:00:00.000000Z','{"id":"m-zoFTSASWg-","title":"七月党课","valid_from":"2026-07-01T08:30:00+08:00","valid_until":"2026-07-01T11:00:00+08:00","priority":0,"display_seconds":null,"show_on":[],"festive":false,"kind":"meeting","meeting_type":"党课","branch":"第一党支部","place":"三楼活动室","start":"2026-07-01T09:00:00+08:00","end":"2026-07-01T11:00:00+08:00","signin":{"url":"http://testserver/m/m-zoFTSASWg-","secret":"_BtzgVnFdtDVqP4JQfoAxBDQivv2WU5bjWwZtcSPtmU","period_seconds":30,"opens_at":"2026-07-01T08:30:00+08:00","closes_at":"2026-07-01T09:30:00+08:00"}}','2026-06-01T04:01:24.000000Z',8,8,NULL);
CREATE TABLE learning_records (
        id TEXT PRIMARY KEY,
        screen_id TEXT NOT NULL,
        branch TEXT NOT NULL,
        course_id TEXT NOT NULL,
        title TEXT NOT NULL,
        category TEXT NOT NULL,
        started_at TEXT NOT NULL,
        seconds_watched REAL NOT NULL,
        completed INTEGER NOT NULL,
        received_at TEXT NOT NULL
    );
CREATE TABLE meetings (
        id TEXT PRIMARY KEY,
        meeting_type TEXT NOT NULL,
        title TEXT NOT NULL,
        branch TEXT NOT NULL,
        place TEXT NOT NULL,
        start_at TEXT NOT NULL,
        end_at TEXT NOT NULL,
        opens_at TEXT NOT NULL,
        closes_at TEXT NOT NULL,
        period_seconds INTEGER NOT NULL,
        secret TEXT NOT NULL,
        target TEXT NOT NULL,
        created_at TEXT NOT NULL,
        live_seq INTEGER NOT NULL DEFAULT 0
    );
INSERT INTO "meetings" VALUES('m-zoFTSASWg-','党课','七月党课','第一党支部','三楼活动室','2026-07-01T01:00:00.000000Z','2026-07-01T03:00:00.000000Z','2026-07-01T00:30:00.000000Z','2026-07-01T01:30:00.000000Z',30,'_BtzgVnFdtDVqP4JQfoAxBDQivv2WU5bjWwZtcSPtmU','screen:hall-2','2026-06-01T04:01:17.000000Z',0);
CREATE TABLE members (
        branch TEXT NOT NULL,
        member_no TEXT NOT NULL,
        name TEXT NOT NULL,
        phone4 TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (branch, member_no)
    );
INSERT INTO "members" VALUES('第一党支部','DY001','张三','1111',0,'2026-06-01T04:01:10.000000Z');
INSERT INTO "members" VALUES('第一党支部','DY002','李四','2222',1,'2026-06-01T04:01:10.000000Z');
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO "meta" VALUES('schema_version','1');
INSERT INTO "meta" VALUES('created_at','2026-06-01T04:00:07.000000Z');
CREATE TABLE screens (
        id TEXT PRIMARY KEY,
        settings TEXT NOT NULL DEFAULT '{}',
        settings_seq INTEGER NOT NULL DEFAULT 0,
        last_seen TEXT
    );
INSERT INTO "screens" VALUES('lobby-1','{"emergency_stop": true, "orientation": "portrait", "poster_seconds": 12.0}',7,'2026-06-01T04:01:31.000000Z');
INSERT INTO "screens" VALUES('hall-2','{}',0,'2026-06-01T04:01:38.000000Z');
INSERT INTO "screens" VALUES('new-3','{}',0,'2026-06-01T04:01:59.000000Z');
CREATE TABLE shared_settings (
        target TEXT PRIMARY KEY,
        settings TEXT NOT NULL DEFAULT '{}',
        settings_seq INTEGER NOT NULL DEFAULT 0
    );
INSERT INTO "shared_settings" VALUES('all','{"mourning_dates": ["2026-04-04"], "org_name": "中共示范县委员会", "theme": "party-red"}',6);
CREATE TABLE video_facts (
        sha256 TEXT PRIMARY KEY,
        length_seconds REAL NOT NULL,
        container TEXT NOT NULL,
        media_type TEXT NOT NULL,
        video_codec TEXT NOT NULL,
        audio_codec TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        probed_at TEXT NOT NULL
    );
CREATE INDEX items_by_target ON items (target, changed_seq);
CREATE INDEX members_by_name ON members (branch, name);
CREATE INDEX learning_by_course ON learning_records (course_id);
CREATE INDEX learning_by_branch ON learning_records (branch);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('changes',8);
COMMIT;
