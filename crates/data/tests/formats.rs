//! Every format on small fixtures made here, and on the bundled real data.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::data::dataset::Dataset;
use burn::tensor::Device;
use pdc_data::sprites::{BACKGROUNDS, Factor};
use pdc_data::*;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pdc-data-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn idx_images(n: u32, h: u32, w: u32) -> Vec<u8> {
    let mut b = vec![0, 0, 8, 3];
    for v in [n, h, w] {
        b.extend(v.to_be_bytes());
    }
    b.extend((0..n * h * w).map(|i| (i % 251) as u8));
    b
}

fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 8, 1];
    b.extend((labels.len() as u32).to_be_bytes());
    b.extend(labels);
    b
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn names(k: usize) -> Vec<String> {
    (0..k).map(|i| i.to_string()).collect()
}

#[test]
fn idx_raw_and_gzip_and_every_corruption() {
    let d = tmp("idx");
    let (ip, lp) = (d.join("img"), d.join("lab"));
    std::fs::write(&ip, idx_images(3, 4, 5)).unwrap();
    std::fs::write(&lp, gz(&idx_labels(&[2, 0, 1]))).unwrap();
    let ds = read_idx(&ip, &lp, names(3)).unwrap();
    assert_eq!((ds.len(), ds.image_shape()), (3, [1, 4, 5]));
    let item = ds.get(1).unwrap();
    assert_eq!((item.label, item.pixels[0], item.pixels[19]), (0, 20, 39));

    let bad = |bytes: Vec<u8>| {
        std::fs::write(&ip, bytes).unwrap();
        read_idx(&ip, &lp, names(3)).unwrap_err()
    };
    assert!(bad(vec![0, 0, 8]).reason.contains("truncated IDX header"));
    assert!(bad(vec![0, 0, 8, 3, 0, 0]).reason.contains("truncated IDX header"));
    assert!(bad(idx_labels(&[1])).reason.contains("wrong IDX magic"));
    let mut short = idx_images(3, 4, 5);
    short.truncate(short.len() - 7);
    let e = bad(short);
    assert_eq!(e.record.as_deref(), Some("image 2"), "{e}");
    assert!(e.to_string().contains("img") && e.reason.contains("promises 3 images"), "{e}");

    std::fs::write(&ip, idx_images(3, 4, 5)).unwrap();
    std::fs::write(&lp, idx_labels(&[2, 7, 1])).unwrap();
    let e = read_idx(&ip, &lp, names(3)).unwrap_err();
    assert_eq!(e.record.as_deref(), Some("label 1"));
    assert!(e.reason.contains("out of range for 3 classes"), "{e}");
    std::fs::write(&lp, idx_labels(&[2, 1])).unwrap();
    assert!(read_idx(&ip, &lp, names(3)).unwrap_err().reason.contains("2 labels"));
    let e = fashion_mnist(&d, Split::Train).unwrap_err();
    assert!(e.reason.contains("train-images-idx3-ubyte") && e.reason.contains("zalandoresearch"), "{e}");
}

#[test]
fn bundled_fashion_mnist_loads_fast_and_is_the_real_data() {
    let start = Instant::now();
    let train = bundled_fashion_mnist(Split::Train).unwrap();
    let secs = start.elapsed().as_secs_f64();
    let test = bundled_fashion_mnist(Split::Test).unwrap();
    println!("Fashion-MNIST train: 60 000 images in {secs:.3} s (gunzip included)");
    assert_eq!((train.len(), test.len(), train.image_shape()), (60_000, 10_000, [1, 28, 28]));
    let mut counts = [0usize; 10];
    train.labels().for_each(|l| counts[l] += 1);
    assert_eq!(counts, [6000; 10]);
    // Known first test items: ankle boot, pullover, trouser.
    assert_eq!(test.labels().take(3).collect::<Vec<_>>(), vec![9, 2, 1]);
    assert_eq!(train.class_names()[9], "Ankle boot");
    let mean = train.pixels(0).iter().map(|&v| v as f64).sum::<f64>() / 784.0;
    assert!(mean > 10.0 && mean < 200.0);
}

fn write_png(path: &Path, w: u32, h: u32, rgb: [u8; 3]) {
    image::RgbImage::from_pixel(w, h, image::Rgb(rgb)).save(path).unwrap();
}

#[test]
fn image_folder_lazy_with_class_index_and_corrupt_files() {
    let d = tmp("folder");
    for (class, colour) in [("n02", [255u8, 0, 0]), ("n01", [0, 0, 255])] {
        std::fs::create_dir_all(d.join(class)).unwrap();
        for i in 0..3 {
            write_png(&d.join(class).join(format!("{i}.png")), 40, 30, colour);
        }
    }
    let ds = ImageFolder::open(&d, None, Resize::ShorterThenCrop { shorter: 20, crop: 16 }).unwrap();
    assert_eq!((ds.len(), ds.class_names()), (6, &["n01".to_string(), "n02".to_string()][..]));
    let item = ds.get(0).unwrap();
    assert_eq!((item.label, item.shape), (0, [3, 16, 16]));
    assert_eq!((item.pixels[0], item.pixels[2 * 256]), (0, 255), "class n01 is blue, channel-first");
    // Class index in synset order with readable names.
    let index = d.join("classes.txt");
    std::fs::write(&index, "n02 red things\nn01 blue things\n").unwrap();
    let ds = ImageFolder::open(&d, Some(&index), Resize::Square(8)).unwrap();
    assert_eq!(ds.class_names()[0], "red things");
    assert_eq!(ds.get(0).unwrap().label, 0);
    assert_eq!(ds.get(0).unwrap().pixels[0], 255);
    std::fs::write(&index, "n03\n").unwrap();
    assert!(ImageFolder::open(&d, Some(&index), Resize::Square(8)).unwrap_err().reason.contains("'n03' does not exist"));
    std::fs::write(d.join("n01").join("broken.png"), b"\x89PNG not really").unwrap();
    let e = ImageFolder::open(&d, None, Resize::Square(8)).unwrap_err();
    assert!(e.to_string().contains("broken.png"), "{e}");
    assert!(ImageFolder::open(&d.join("nope"), None, Resize::Square(8)).unwrap_err().reason.contains("ImageNet layout"));
}

#[test]
fn faces_with_attributes_fixture_errors_and_bundled() {
    let d = tmp("faces");
    write_png(&d.join("a.png"), 20, 20, [10, 20, 30]);
    write_png(&d.join("b.png"), 20, 20, [200, 100, 0]);
    let csv = d.join("attributes.csv");
    std::fs::write(&csv, "file,smile,age\na.png,yes,30\nb.png,-1,\n").unwrap();
    let specs = [AttributeSpec::categorical("smile"), AttributeSpec::Binned { column: "age".into(), name: "old".into(), edges: vec![40.0], labels: vec!["young".into(), "old".into()] }];
    let ds = FaceDataset::load(&d, &csv, &specs, 8).unwrap();
    assert_eq!(ds.len(), 2);
    assert_eq!(ds.get(0).unwrap().labels, vec![Some(0), Some(0)]);
    assert_eq!(ds.get(1).unwrap().labels, vec![None, None], "-1 and empty are unlabelled");
    assert_eq!(ds.get(1).unwrap().pixels[0], 200);
    std::fs::write(&csv, "file,smile,age\na.png,yes\n").unwrap();
    let e = FaceDataset::load(&d, &csv, &specs, 8).unwrap_err();
    assert_eq!(e.record.as_deref(), Some("line 2"));
    assert!(e.reason.contains("2 fields, but the header has 3"), "{e}");
    std::fs::write(&csv, "file,smile\na.png,yes\n").unwrap();
    assert!(FaceDataset::load(&d, &csv, &specs, 8).unwrap_err().reason.contains("no column 'age'"));
    std::fs::write(&csv, "file,smile,age\nc.png,yes,3\n").unwrap();
    assert!(FaceDataset::load(&d, &csv, &specs, 8).unwrap_err().reason.contains("does not exist"));

    let start = Instant::now();
    let faces = FaceDataset::bundled(32).unwrap();
    println!("244 faces decoded and resized to 32 px in {:.2} s", start.elapsed().as_secs_f64());
    assert_eq!(faces.len(), 244);
    let names: Vec<&str> = faces.attributes().iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["gender", "age_group", "ethnicity", "expression"]);
    assert_eq!(faces.attributes()[3].values, ["neutral", "smiling"]);
    let smiling = faces.items().iter().filter(|f| f.labels[3] == Some(1)).count();
    assert_eq!(smiling, 102);
    let no_ethnicity = faces.items().iter().filter(|f| f.labels[2].is_none()).count();
    assert_eq!(no_ethnicity, 40, "the canada set has no ethnicity column values");
    assert_eq!(faces.get(0).unwrap().shape, [3, 32, 32]);
}

fn fnv1a(bytes: impl Iterator<Item = u8>, mut h: u64) -> u64 {
    for b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// Intensity-weighted centroid of the object (pixels that differ from the background).
fn centroid(item: &SpriteItem) -> (f64, f64) {
    let r = item.shape[1];
    let bg = (BACKGROUNDS[item.factors[5]] * 255.0).round() as i32;
    let (mut sx, mut sy, mut sw) = (0.0, 0.0, 0.0);
    for y in 0..r {
        for x in 0..r {
            let w: i32 = (0..3).map(|c| (item.pixels[c * r * r + y * r + x] as i32 - bg).abs()).sum();
            sx += w as f64 * x as f64;
            sy += w as f64 * y as f64;
            sw += w as f64;
        }
    }
    (sx / sw, sy / sw)
}

#[test]
fn sprites_are_deterministic_and_factors_drive_pixels() {
    let s = Sprites::default();
    assert_eq!((s.len(), Sprites::count()), (18_432, 18_432));
    for i in [0, 1, 777, 18_431] {
        assert_eq!(Sprites::index(Sprites::factors(i)), i);
    }
    // Pinned hash of every 7th image: any change to rendering shows up here.
    let h = (0..Sprites::count()).step_by(7).fold(0xcbf2_9ce4_8422_2325, |h, i| fnv1a(s.render(i).pixels.into_iter(), h));
    assert_eq!(s.render(4242), s.render(4242));
    println!("sprite hash {h:#018x}");
    assert_eq!(h, SPRITE_HASH, "sprite rendering changed");
    // x moves the centroid right, y moves it down, by the grid step (7 px at 32 px).
    let base = [1, 2, 1, 0, 3, 1];
    let (x0, y0) = centroid(&s.render(Sprites::index(base)));
    let (x7, _) = centroid(&s.render(Sprites::index([1, 2, 1, 7, 3, 1])));
    let (_, y7) = centroid(&s.render(Sprites::index([1, 2, 1, 0, 7, 1])));
    let step = 32.0 * (Sprites::position(7) - Sprites::position(0));
    assert!((x7 - x0 - step).abs() < 0.3 && x7 > x0, "x: {x0} → {x7}");
    assert!((y7 - y0 - 32.0 * (Sprites::position(7) - Sprites::position(3))).abs() < 0.3, "y: {y0} → {y7}");
    // Hue 120° is pure green at the object's centre; background level 0.6 in the corner.
    let green = s.render(Sprites::index([1, 2, 3, 4, 4, 3]));
    let c = 32 * 32;
    let centre = (32.0 * Sprites::position(4)) as usize * 32 + (32.0 * Sprites::position(4)) as usize;
    assert_eq!([green.pixels[centre], green.pixels[c + centre], green.pixels[2 * c + centre]], [0, 255, 0]);
    assert_eq!(green.pixels[0], 153);
    // Scale grows the area; circle area ≈ π r², square 4 r².
    let area = |f: [usize; 6]| {
        let it = s.render(Sprites::index(f));
        (0..c).map(|p| it.pixels[p] as f64 / 255.0).sum::<f64>() // red channel on black: coverage
    };
    let r = 0.26 * 32.0;
    assert!((area([1, 0, 3, 4, 4, 0]) / (std::f64::consts::PI * r * r) - 1.0).abs() < 0.02);
    assert!((area([0, 0, 3, 4, 4, 0]) / (4.0 * r * r) - 1.0).abs() < 0.02);
    assert!(area([2, 0, 3, 4, 4, 0]) < area([1, 0, 3, 4, 4, 0]));
    assert!(area([1, 0, 0, 4, 4, 0]) < area([1, 0, 1, 4, 4, 0]));
    assert_eq!(s.attribute_values(&[2, 5, 1, 0, 0, 0]), vec![2, 5, 1]);
    assert_eq!(s.residual_factors(), vec![Factor::X, Factor::Y, Factor::Background]);
    let table = Sprites::factor_table_csv();
    assert_eq!(table.lines().count(), 18_433);
    assert!(table.contains("\n18431,2,5,3,7,7,3\n"));
}

const SPRITE_HASH: u64 = 0x33c2_83d7_64e3_0cc3;

#[test]
fn class_embeddings_and_batches() {
    let e = ClassEmbeddings::bundled("fashion_mnist").unwrap();
    assert_eq!((e.num_classes(), e.dim), (10, 384));
    assert_eq!(e.names, FASHION_MNIST_CLASSES.map(String::from).to_vec());
    let norm: f32 = e.vectors[..384].iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-4);
    let imnet = ClassEmbeddings::bundled("imagenet1k_full").unwrap();
    assert_eq!(imnet.num_classes(), 1000);
    assert!(ClassEmbeddings::bundled("nope").unwrap_err().to_string().contains("nope_minilm_l6_v2.npy"));

    let device = Device::flex();
    let items = vec![
        ImageItem { pixels: vec![0, 255, 51, 102], shape: [1, 2, 2], label: 3 },
        ImageItem { pixels: vec![255; 4], shape: [1, 2, 2], label: 1 },
    ];
    let (x, y) = to_batch(&items, &Normalize { mean: vec![0.5], std: vec![0.5] }, &device);
    assert_eq!(x.dims(), [2, 1, 2, 2]);
    let v: Vec<f32> = x.into_data().iter::<f32>().collect();
    for (a, b) in v[..4].iter().zip([-1.0, 1.0, -0.6, -0.2]) {
        assert!((a - b).abs() < 1e-6, "{v:?}");
    }
    assert_eq!(y.into_data().iter::<i64>().collect::<Vec<_>>(), vec![3, 1]);
    let gt = e.for_labels(&e.to_tensor(&device), burn::tensor::Tensor::from_data([9i64, 0], &device));
    assert_eq!(gt.dims(), [2, 384]);

    // Flip mirrors; padding + crop shifts and fills with zeros.
    let px: Vec<u8> = (1..=9).collect();
    let flip = Augment { crop_padding: 0, horizontal_flip: true };
    let mut rng = Rng(3);
    let outs: Vec<Vec<u8>> = (0..8).map(|_| flip.apply(&px, [1, 3, 3], &mut rng)).collect();
    assert!(outs.contains(&vec![3, 2, 1, 6, 5, 4, 9, 8, 7]) && outs.contains(&px));
    let crop = Augment { crop_padding: 1, horizontal_flip: false };
    for _ in 0..20 {
        let o = crop.apply(&px, [1, 3, 3], &mut rng);
        let kept: Vec<u8> = o.iter().copied().filter(|&v| v != 0).collect();
        assert!(kept.len() >= 4 && kept.windows(2).all(|w| w[0] < w[1]), "{o:?}");
    }
}
