use super::*;
use crate::bundle::{decode, FileKind, MANIFEST_FILE};
use crate::test_seeds::seed_articles as seeds;

#[test]
fn builds_are_deterministic_and_content_addressed() {
    let a = build(&order(seeds()), &BuildOptions::default());
    let b = build(&order(seeds()), &BuildOptions::default());
    assert_eq!(a.files, b.files);
    for f in &a.files {
        if f.name != MANIFEST_FILE {
            assert_eq!(
                f.name,
                content_name(FileKind::from_byte(f.bytes[6]).unwrap(), &f.bytes)
            );
        }
    }
    let m: Manifest = decode(FileKind::Manifest, &a.files.last().unwrap().bytes).unwrap();
    assert_eq!(m, a.manifest);
    assert_eq!(m.doc_count, 5);
    let listed: Vec<&str> = m.files().collect();
    assert_eq!(listed.len() + 1, a.files.len());
}

#[test]
fn a_memo_of_words_changes_no_analysis() {
    // Documents in four languages through one memo, twice (the second time
    // every word is remembered), and through memos so small that they are
    // cleared again and again: always what analysing alone gives. The same
    // words also come as other languages' (other stems, or none).
    let relabelled = |lang: &'static str| {
        seeds().into_iter().map(move |mut a| {
            a.lang = lang.to_string();
            a
        })
    };
    let (de, nl) = (
        relabelled("de").next().unwrap(),
        relabelled("nl").next().unwrap(),
    );
    assert_ne!(
        analyze(&de).terms,
        analyze(&nl).terms,
        "stems differ by language"
    );
    let docs: Vec<Article> = seeds()
        .into_iter()
        .chain(stitched(40))
        .chain(
            ["de", "nl", "pl", "en", "vi"]
                .into_iter()
                .flat_map(relabelled),
        )
        .collect();
    for max in [Words::MAX_WORDS, 50, 1] {
        let mut words = Words::with_max(max);
        for round in 0..2 {
            for a in &docs {
                assert_eq!(
                    analyze_with(a, &mut words),
                    analyze(a),
                    "{} (memo of {max}, round {round})",
                    a.slug
                );
                assert!(words.len() <= max);
            }
        }
        assert!(!words.is_empty());
    }
}

/// The manifest names each language in itself, for the viewer's labels,
/// and only languages the bundle has (its read back as stored).
#[test]
fn the_manifest_names_its_languages() {
    let mut articles = seeds();
    articles[0].lang = "und".into();
    let built = build(&order(articles), &BuildOptions::default());
    let m: Manifest = decode(FileKind::Manifest, &built.files.last().unwrap().bytes).unwrap();
    let mut codes: Vec<&str> = m.langs.iter().map(|l| l.value.as_str()).collect();
    codes.sort_unstable();
    assert_eq!(codes, ["de", "nl", "pl", "und", "vi"]);
    let mut names = m.lang_names.clone();
    names.sort();
    let named = |c: &str, n: &str| (c.to_string(), n.to_string());
    assert_eq!(
        names,
        [
            named("de", "Deutsch"),
            named("nl", "Nederlands"),
            named("pl", "Polski"),
            named("vi", "Tiếng Việt")
        ]
    );
}

#[test]
fn newest_first_and_unique_slugs() {
    let ordered = order(seeds());
    let dates: Vec<_> = ordered.iter().map(|a| a.date).collect();
    assert!(dates[0] >= dates[1]);
    assert!(dates.last().unwrap().is_none());
    let mut slugs: Vec<_> = ordered.iter().map(|a| a.slug.clone()).collect();
    slugs.sort();
    slugs.dedup();
    assert_eq!(slugs.len(), 5);
}

/// A synthetic corpus big enough for several shards, packs and chunks:
/// the seeds' paragraphs shuffled into new articles.
fn stitched(n: usize) -> Vec<Article> {
    let seeds = seeds();
    let mut out = Vec::new();
    for i in 0..n {
        let mut a = seeds[i % seeds.len()].clone();
        let blocks = a.blocks.len();
        a.blocks.rotate_left(i % blocks.max(1));
        a.blocks.truncate(1 + i % blocks.max(1));
        a.title = format!("{} {i}", a.title);
        a.source = format!("{i:05}.txt");
        out.push(a);
    }
    out
}

#[test]
fn spilled_runs_build_the_same_bundle() {
    let articles = order(stitched(120));
    let opts = BuildOptions {
        term_shard_bytes: 4096,
        meta_chunk_size: 16,
        pack_bytes: 8192,
        ..BuildOptions::default()
    };
    let whole = build(&articles, &opts);
    let prepared: Vec<Prepared> = articles.iter().cloned().map(prepare).collect();
    for budget in [1, 20_000, 200_000] {
        let layout = Layout::new(&opts, articles.len(), {
            articles
                .iter()
                .map(|a| body_texts(a).map(str::len).sum::<usize>() as u64)
                .sum()
        });
        let mut builder = Builder::new(opts.clone(), layout);
        let mut files = Vec::new();
        let mut runs = Vec::new();
        for doc in &prepared {
            files.extend(builder.add(doc.clone()));
            if builder.pending_bytes() > budget {
                runs.push(builder.spill());
            }
        }
        let sources: Vec<RunSource> = runs
            .iter()
            .map(|r| Box::new(Frames::new(&r[..])) as RunSource)
            .collect();
        let manifest = builder.finish(sources, &mut |f| files.push(f)).unwrap();
        assert_eq!(
            manifest,
            whole.manifest,
            "budget {budget}: {} runs",
            runs.len()
        );
        assert_eq!(files, whole.files, "budget {budget}");
        if budget == 1 {
            assert_eq!(runs.len(), articles.len());
        }
    }
    assert!(whole.manifest.term_shards.len() > 3);
    assert!(whole.manifest.packs.len() > 3);
}

/// A news site's rebuild adds newer articles: every document is numbered
/// anew, but the older packs keep their articles, bytes and names, and
/// the older articles their slugs.
#[test]
fn newer_articles_leave_older_packs_and_slugs_as_they_were() {
    let opts = BuildOptions {
        meta_chunk_size: 16,
        pack_bytes: 32 * 1024,
        ..BuildOptions::default()
    };
    let mut old = stitched(149);
    old[5].title = "Wetter".into();
    let before = build(&order(old.clone()), &opts);
    let m = &before.manifest;
    assert!(m.packs.len() > 4, "{} packs", m.packs.len());
    assert!(
        m.first_pack < m.pack_size,
        "a first pack that is full proves less: {} of {}",
        m.first_pack,
        m.pack_size
    );
    for added in [1, 3, m.pack_size as usize] {
        // Newer than any, one of them under a title the corpus has.
        let newer = (0..added).map(|i| {
            let mut a = old[5 + i].clone();
            a.date = Some(crate::model::Date::new(2031, 1, 1 + i as u8).unwrap());
            a.source = format!("new-{i}.txt");
            a.blocks.truncate(1);
            a
        });
        let articles = order(old.iter().cloned().chain(newer).collect());
        let after = build(&articles, &opts);
        let n = &after.manifest;
        assert_eq!(
            (n.doc_count, n.pack_size),
            (m.doc_count + added as u32, m.pack_size)
        );
        // The older packs, all but the first, are the same files.
        let kept = &m.packs[1..];
        assert_eq!(
            &n.packs[n.packs.len() - kept.len()..],
            kept,
            "{added} added"
        );
        assert!(n.packs.len() <= m.packs.len() + added.div_ceil(m.pack_size as usize));
        for name in kept {
            assert_eq!(after.file(name), before.file(name));
        }
        // Every document is where the manifest says.
        let packs: u32 = (0..n.packs.len() as u32).map(|p| n.pack_docs(p)).sum();
        assert_eq!(packs, n.doc_count);
        for doc in 0..n.doc_count {
            let (pack, place) = n.pack_of(doc);
            assert!(place < n.pack_docs(pack), "document {doc}");
        }
        // An older namesake keeps its slug; the newer one is numbered.
        let slug_of = |articles: &[Article], source: &str| {
            let a = articles.iter().find(|a| a.source == source).unwrap();
            a.slug.clone()
        };
        let was = order(old.clone());
        for a in &was {
            assert_eq!(slug_of(&articles, &a.source), a.slug, "{added} added");
        }
        assert_eq!(slug_of(&was, &old[5].source), "wetter");
        assert_eq!(slug_of(&articles, "new-0.txt"), "wetter-2");
    }
}

/// The pack size moves only when the mean article length crosses a power
/// of two's share of the target (or the file budget), not with each
/// article added, and the first pack takes what is left over.
#[test]
fn pack_sizes_are_powers_of_two() {
    let opts = BuildOptions::default();
    let sizes: Vec<(u32, u32)> = (3_000..=4_000)
        .step_by(50)
        .map(|mean| {
            let l = Layout::new(&opts, 10_001, 10_001 * mean);
            (l.pack_size, l.first_pack)
        })
        .collect();
    // 1 MB / 4,000 bytes is 262 articles, / 3,000 bytes 349.
    assert!(sizes.iter().all(|&s| s == (256, 10_001 % 256)), "{sizes:?}");
    let l = Layout::new(&opts, 512, 512 * 4_000);
    assert_eq!((l.pack_size, l.first_pack), (256, 256));
    // Past the budget (6,000 parts, 40% of them packs) packs grow, by
    // powers of two too.
    let l = Layout::new(&opts, 1_000_000, 1_000_000 * 4_000);
    assert_eq!(l.pack_size, 512);
}

#[test]
fn packs_and_pieces_stay_within_the_budget() {
    let articles = order(stitched(400));
    let opts = BuildOptions {
        term_shard_bytes: 512,
        slug_shard_len: 4,
        meta_chunk_size: 2,
        pack_bytes: 256,
        max_parts: 40,
        max_term_shards: 10,
        ..BuildOptions::default()
    };
    let bundle = build(&articles, &opts);
    let m = &bundle.manifest;
    let parts = m.packs.len() + m.meta_chunks.len() + m.slug_shards.len();
    assert!(parts <= 32, "{parts} packs, meta chunks and slug shards");
    let shards = m.term_shards.len();
    assert!((2..=12).contains(&shards), "{shards} term shards");
    assert_eq!(m.doc_count, 400);
    assert!(m.meta_chunk_size >= 400 / 12, "{}", m.meta_chunk_size);
    // Pieces share index files: the packs, one index file, the manifest.
    assert_eq!(m.index_files.len(), 1);
    assert_eq!(bundle.files.len(), m.packs.len() + 2);
}

/// Index files close at their size target, and every piece is read back
/// from its span, of the kind the manifest lists it as.
#[test]
fn pieces_are_read_back_from_their_spans() {
    use crate::bundle::index_file;
    let opts = BuildOptions {
        term_shard_bytes: 512,
        meta_chunk_size: 4,
        index_file_bytes: 4096,
        ..BuildOptions::default()
    };
    let bundle = build(&order(stitched(60)), &opts);
    let m = &bundle.manifest;
    assert!(
        m.index_files.len() > 3,
        "{} index files",
        m.index_files.len()
    );
    let mut seen = Vec::new();
    for (kind, span) in m.pieces() {
        let file = bundle.file(m.index_file(span).unwrap()).unwrap();
        assert!(
            file.len() <= 4096 + 2048,
            "an index file of {} bytes",
            file.len()
        );
        let piece = index_file::inflate(index_file::slice(file, span).unwrap()).unwrap();
        index_file::check_piece(kind, &piece).unwrap();
        seen.push(span);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), m.spans().count(), "pieces overlap");
}

#[test]
fn a_damaged_run_is_an_error() {
    let articles = order(seeds());
    let layout = Layout::new(&BuildOptions::default(), articles.len(), 10_000);
    let mut builder = Builder::new(BuildOptions::default(), layout);
    for a in &articles {
        builder.add(prepare(a.clone()));
    }
    let mut run = builder.spill();
    let cut = run.len() / 2;
    run.truncate(cut);
    let result = builder.finish(vec![Box::new(Frames::new(&run[..]))], &mut |_| {});
    assert!(result.is_err());
}

/// Merged entries go to the encoder in batches and come out in key order,
/// whatever order the encoder works a batch in: the same entries as
/// encoding them one by one; and a damaged run still ends the merge with
/// an error, after the entries before the damage.
#[test]
fn entries_are_encoded_in_batches_and_kept_in_order() {
    /// Encodes each batch back to front, as threads might finish it, and
    /// keeps it until the next comes (as the CLI's encoder does while it
    /// works in the background).
    #[derive(Default)]
    struct Backwards {
        batches: Vec<usize>,
        held: Option<Vec<Encoded>>,
    }
    impl Encode for Backwards {
        fn submit(&mut self, batch: Vec<Merged>) -> Vec<Vec<Encoded>> {
            self.batches.push(batch.len());
            let mut out: Vec<Encoded> = batch.into_iter().rev().map(Merged::encode).collect();
            out.reverse();
            self.held.replace(out).into_iter().collect()
        }
        fn finish(&mut self) -> Vec<Vec<Encoded>> {
            self.held.take().into_iter().collect()
        }
    }
    let articles = order(stitched(40));
    let layout = Layout::new(&BuildOptions::default(), articles.len(), 100_000);
    let mut builder = Builder::new(BuildOptions::default(), layout);
    let mut runs = Vec::new();
    for (i, a) in articles.iter().enumerate() {
        builder.add(prepare(a.clone()));
        if i % 10 == 9 {
            runs.push(builder.spill());
        }
    }
    fn sources(runs: &[Vec<u8>]) -> Vec<RunSource<'_>> {
        runs.iter()
            .map(|r| Box::new(Frames::new(&r[..])) as RunSource)
            .collect()
    }
    // Split as small a bundle's frequent words would be.
    let split = Split {
        over: 8,
        head: 4,
        avg_len: 50.0,
    };
    let one_by_one: Vec<EncodedEntry> =
        runs::merge(sources(&runs), &mut EncodeInTurn, usize::MAX, split)
            .collect::<Result<_, _>>()
            .unwrap();
    assert!(one_by_one.windows(2).all(|w| w[0].key < w[1].key));
    assert!(one_by_one.iter().any(|e| e.tail.is_some()));
    let mut backwards = Backwards::default();
    let batched: Vec<EncodedEntry> = runs::merge(sources(&runs), &mut backwards, 4096, split)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(batched, one_by_one);
    assert!(backwards.batches.len() > 3, "{:?}", backwards.batches);
    assert_eq!(backwards.batches.iter().sum::<usize>(), one_by_one.len());

    let mut damaged = runs.clone();
    let last = damaged.last_mut().unwrap();
    last.truncate(last.len() / 2);
    let mut encoder = Backwards::default();
    let merged: Vec<Encoded> = runs::merge(sources(&damaged), &mut encoder, 4096, split).collect();
    let (last, before) = merged.split_last().unwrap();
    assert!(last.is_err(), "the merge ends with the damage");
    assert!(!before.is_empty() && before.iter().all(|e| e.is_ok()));
    // The batch the encoder still held when the damage was found too.
    assert!(encoder.held.is_none());
    assert_eq!(encoder.batches.iter().sum::<usize>(), before.len());
}

/// A query word costs one term shard, not one per stemmer language: its
/// stem keys sort next to it. Checked over every word of the seeds whose stem
/// (in the article's language) is a prefix of it, with shards of 1 KB.
#[test]
fn stems_share_their_words_shard() {
    use crate::bundle::{shard_for, Manifest};
    let opts = BuildOptions {
        term_shard_bytes: 1024,
        ..BuildOptions::default()
    };
    let bundle = build(&order(stitched(20)), &opts);
    let manifest: Manifest =
        decode(FileKind::Manifest, bundle.file(MANIFEST_FILE).unwrap()).unwrap();
    let shards = &manifest.term_shards;
    assert!(shards.len() > 50, "{} shards", shards.len());
    let (mut stemmed, mut same) = (0, 0);
    for a in seeds() {
        for text in body_texts(&a) {
            for t in crate::analysis::tokenize(text) {
                let Some(stem) = crate::analysis::stem_always(&a.lang, &t.exact) else {
                    continue;
                };
                if stem == t.folded || !t.folded.starts_with(&stem) {
                    continue;
                }
                stemmed += 1;
                let word = shard_for(shards, t.folded.as_bytes()).unwrap();
                let stem = shard_for(shards, &stem_key(&stem)).unwrap();
                same += usize::from(word.at == stem.at);
            }
        }
    }
    assert!(stemmed > 100, "{stemmed} stemmed words");
    // Only a shard boundary falling between a stem and its word splits them.
    assert!(same * 10 >= stemmed * 9, "{same} of {stemmed} in one shard");
}

#[test]
fn stem_keys_keep_counts_but_not_positions() {
    use fst::Streamer;
    let bundle = build(&order(seeds()), &BuildOptions::default());
    let (mut stems, mut words) = (0, 0);
    for bytes in term_shards(&bundle) {
        let shard = decode_term_shard(FileKind::Terms, &bytes).unwrap();
        let mut keys = shard.map.stream();
        while let Some((key, offset)) = keys.next() {
            let e = shard.entry(offset, bundle.manifest.doc_count).unwrap();
            let counted: usize = (0..e.len()).map(|i| e.title_tf(i) + e.body_tf(i)).sum();
            let stored: usize = (0..e.len())
                .map(|i| e.title_positions(i).len() + e.body_positions(i).len())
                .sum();
            if stem_of_key(key).is_some() {
                assert!(!e.has_positions() && counted > 0 && stored == 0);
                stems += 1;
            } else if is_word_key(key) {
                assert!(e.has_positions());
                assert_eq!(stored, counted, "{}", String::from_utf8_lossy(key));
                words += 1;
            }
        }
    }
    assert!(stems > 100 && words > 100, "{stems} stems, {words} words");
}

#[test]
fn a_term_shard_cut_short_or_grown_is_an_error() {
    let bundle = build(&order(seeds()), &BuildOptions::default());
    let shard = term_shards(&bundle).swap_remove(0);
    assert!(decode_term_shard(FileKind::Terms, &shard).is_ok());
    // Cuts in the postings leave the fst (and its checksum) intact.
    let len = shard.len();
    for cut in [len - 1, len - len / 4, 12, 7] {
        let err = decode_term_shard(FileKind::Terms, &shard[..cut]).err();
        assert!(err.is_some(), "cut at {cut} of {len}");
    }
    let mut grown = shard.clone();
    grown.push(0);
    assert!(decode_term_shard(FileKind::Terms, &grown).is_err());
}

/// Every term shard of a bundle, inflated out of its index file.
fn term_shards(bundle: &Bundle) -> Vec<Vec<u8>> {
    use crate::bundle::index_file::{inflate, slice};
    let m = &bundle.manifest;
    m.term_shards
        .iter()
        .map(|s| {
            let file = bundle.file(m.index_file(s.at).unwrap()).unwrap();
            inflate(slice(file, s.at).unwrap()).unwrap()
        })
        .collect()
}
