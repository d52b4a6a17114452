//! CIFAR-10 and CIFAR-100 in the official binary layout (`cifar-10-batches-bin`,
//! `cifar-100-binary`): records of label byte(s) then 3×32×32 channel-planar RGB.

use std::path::Path;

use crate::error::{DataError, Result, read_maybe_gz};
use crate::idx::Split;
use crate::images::InMemoryImages;

const PIXELS: usize = 3 * 32 * 32;

/// Which CIFAR variant (and, for CIFAR-100, which label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cifar {
    /// 10 classes; records of 1 + 3072 bytes.
    Ten,
    /// 100 fine classes; records of 2 + 3072 bytes (coarse, fine).
    HundredFine,
    /// 20 coarse superclasses of CIFAR-100.
    HundredCoarse,
}

impl Cifar {
    fn label_bytes(self) -> usize {
        match self {
            Cifar::Ten => 1,
            _ => 2,
        }
    }

    fn classes(self) -> usize {
        match self {
            Cifar::Ten => 10,
            Cifar::HundredFine => 100,
            Cifar::HundredCoarse => 20,
        }
    }

    fn files(self, split: Split) -> Vec<&'static str> {
        match (self, split) {
            (Cifar::Ten, Split::Train) => vec!["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
            (Cifar::Ten, Split::Test) => vec!["test_batch.bin"],
            (_, Split::Train) => vec!["train.bin"],
            (_, Split::Test) => vec!["test.bin"],
        }
    }

    fn help(self) -> &'static str {
        match self {
            Cifar::Ten => {
                "CIFAR-10 cannot ship with pdc. Download https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz, \
                 extract it, and pass the folder `cifar-10-batches-bin` (data_batch_1..5.bin, test_batch.bin, batches.meta.txt)"
            }
            _ => {
                "CIFAR-100 cannot ship with pdc. Download https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz, \
                 extract it, and pass the folder `cifar-100-binary` (train.bin, test.bin, fine_label_names.txt, coarse_label_names.txt)"
            }
        }
    }
}

/// Parses the records of one batch file, appending to `pixels` and `labels`.
fn parse(path: &Path, bytes: &[u8], kind: Cifar, pixels: &mut Vec<u8>, labels: &mut Vec<u16>) -> Result<()> {
    let record = kind.label_bytes() + PIXELS;
    if bytes.len() % record != 0 {
        let whole = bytes.len() / record;
        return Err(DataError::at(
            path,
            format!("record {whole}"),
            format!("truncated: {} bytes of a {record}-byte record ({} bytes in the file is not a multiple of {record})", bytes.len() % record, bytes.len()),
        ));
    }
    for (i, rec) in bytes.chunks_exact(record).enumerate() {
        let label = match kind {
            Cifar::Ten => rec[0],
            Cifar::HundredCoarse => rec[0],
            Cifar::HundredFine => rec[1],
        } as usize;
        if label >= kind.classes() {
            return Err(DataError::at(path, format!("record {i}"), format!("label {label} is out of range for {} classes", kind.classes())));
        }
        labels.push(label as u16);
        pixels.extend_from_slice(&rec[kind.label_bytes()..]);
    }
    Ok(())
}

/// Class names from the `*.txt` meta file in the folder, or numbers if it is absent.
fn class_names(dir: &Path, kind: Cifar) -> Vec<String> {
    let file = match kind {
        Cifar::Ten => "batches.meta.txt",
        Cifar::HundredFine => "fine_label_names.txt",
        Cifar::HundredCoarse => "coarse_label_names.txt",
    };
    let names: Vec<String> = std::fs::read_to_string(dir.join(file))
        .map(|t| t.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect())
        .unwrap_or_default();
    if names.len() == kind.classes() { names } else { (0..kind.classes()).map(|i| i.to_string()).collect() }
}

/// Loads a CIFAR split from its extracted folder.
pub fn cifar(dir: &Path, kind: Cifar, split: Split) -> Result<InMemoryImages> {
    if !dir.is_dir() {
        return Err(DataError::new(dir, format!("folder not found. {}", kind.help())));
    }
    let (mut pixels, mut labels) = (Vec::new(), Vec::new());
    for name in kind.files(split) {
        let path = dir.join(name);
        if !path.exists() {
            return Err(DataError::new(&path, format!("file not found. {}", kind.help())));
        }
        parse(&path, &read_maybe_gz(&path)?, kind, &mut pixels, &mut labels)?;
    }
    Ok(InMemoryImages::new(pixels, labels, [3, 32, 32], class_names(dir, kind)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::data::dataset::Dataset;

    fn record(label: &[u8], fill: u8) -> Vec<u8> {
        let mut r = label.to_vec();
        r.extend((0..PIXELS).map(|i| fill.wrapping_add(i as u8)));
        r
    }

    #[test]
    fn parses_cifar10_and_100_and_rejects_bad_records() {
        let dir = std::env::temp_dir().join(format!("pdc-cifar-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let batch: Vec<u8> = [record(&[3], 0), record(&[9], 7)].concat();
        std::fs::write(dir.join("test_batch.bin"), &batch).unwrap();
        let d = cifar(&dir, Cifar::Ten, Split::Test).unwrap();
        assert_eq!(d.len(), 2);
        let item = d.get(1).unwrap();
        assert_eq!((item.label, item.shape, item.pixels[0], item.pixels[5]), (9, [3, 32, 32], 7, 12));

        std::fs::write(dir.join("test.bin"), [record(&[1, 42], 0), record(&[19, 99], 0)].concat()).unwrap();
        let fine = cifar(&dir, Cifar::HundredFine, Split::Test).unwrap();
        assert_eq!(fine.labels().collect::<Vec<_>>(), vec![42, 99]);
        let coarse = cifar(&dir, Cifar::HundredCoarse, Split::Test).unwrap();
        assert_eq!(coarse.labels().collect::<Vec<_>>(), vec![1, 19]);

        std::fs::write(dir.join("test_batch.bin"), &batch[..batch.len() - 5]).unwrap();
        let e = cifar(&dir, Cifar::Ten, Split::Test).unwrap_err();
        assert_eq!(e.record.as_deref(), Some("record 1"));
        assert!(e.to_string().contains("test_batch.bin") && e.reason.contains("truncated"), "{e}");

        std::fs::write(dir.join("test_batch.bin"), record(&[10], 0)).unwrap();
        let e = cifar(&dir, Cifar::Ten, Split::Test).unwrap_err();
        assert!(e.reason.contains("label 10 is out of range"), "{e}");

        let e = cifar(&dir, Cifar::Ten, Split::Train).unwrap_err();
        assert!(e.to_string().contains("data_batch_1.bin") && e.reason.contains("cifar-10-binary.tar.gz"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
