//! Image folders in the ImageNet layout: `root/<class>/*.{jpg,jpeg,png}`, decoded lazily.

use std::path::{Path, PathBuf};

use burn::data::dataset::Dataset;

use crate::decode::{Resize, decode, parallel_map};
use crate::error::{DataError, Result};
use crate::images::ImageItem;

/// A class-per-folder image dataset. Files are listed (and their headers checked) up front and
/// decoded on access, so a large folder is never held in memory.
#[derive(Debug, Clone)]
pub struct ImageFolder {
    files: Vec<(PathBuf, u16)>,
    class_names: Vec<String>,
    resize: Resize,
}

fn is_image(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref(), Some("jpg" | "jpeg" | "png"))
}

impl ImageFolder {
    /// Lists `root`. Classes are the sub-folder names, sorted, or the order of `class_index`
    /// (one folder name per line, optionally followed by a space and a readable name: the
    /// ImageNet synset order). Every file's header is read to catch corrupt files now.
    pub fn open(root: &Path, class_index: Option<&Path>, resize: Resize) -> Result<Self> {
        if !root.is_dir() {
            return Err(DataError::new(
                root,
                "folder not found. Expected the ImageNet layout root/<class>/*.jpg|png (e.g. ILSVRC2012 `train/` or a `val/` \
                 reorganised into class folders); ImageNet is at https://image-net.org (registration required)",
            ));
        }
        let mut dirs: Vec<String> = std::fs::read_dir(root)
            .map_err(|e| DataError::new(root, format!("cannot list: {e}")))?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        dirs.sort();
        let (folders, class_names): (Vec<String>, Vec<String>) = match class_index {
            None => (dirs.clone(), dirs.clone()),
            Some(index) => {
                let text = std::fs::read_to_string(index).map_err(|e| DataError::new(index, format!("cannot read the class index: {e}")))?;
                let mut folders = Vec::new();
                let mut names = Vec::new();
                for (i, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
                    let (folder, name) = line.split_once(char::is_whitespace).map(|(a, b)| (a, b.trim())).unwrap_or((line, line));
                    if !dirs.iter().any(|d| d == folder) {
                        return Err(DataError::at(index, format!("line {}", i + 1), format!("class folder '{folder}' does not exist in {}", root.display())));
                    }
                    folders.push(folder.to_string());
                    names.push(name.to_string());
                }
                (folders, names)
            }
        };
        if folders.is_empty() {
            return Err(DataError::new(root, "no class folders found (expected root/<class>/*.jpg|png)"));
        }
        let mut files = Vec::new();
        for (label, folder) in folders.iter().enumerate() {
            let dir = root.join(folder);
            let mut these: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map_err(|e| DataError::new(&dir, format!("cannot list: {e}")))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_image(p))
                .collect();
            these.sort();
            files.extend(these.into_iter().map(|p| (p, label as u16)));
        }
        parallel_map(&files, |(p, _)| image::image_dimensions(p).map_err(|e| DataError::new(p, format!("unreadable image header: {e}"))))?;
        Ok(Self { files, class_names, resize })
    }

    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// Decodes image `index`, with an error naming the file.
    pub fn try_get(&self, index: usize) -> Result<ImageItem> {
        let (path, label) = self.files.get(index).ok_or_else(|| DataError::new(Path::new("<folder>"), format!("index {index} out of range")))?;
        let (pixels, shape) = decode(path, self.resize, 3)?;
        Ok(ImageItem { pixels, shape, label: *label as usize })
    }
}

impl Dataset<ImageItem, DataError> for ImageFolder {
    /// Decodes image `index`; a file that fails to decode is an error naming it.
    fn get(&self, index: usize) -> Result<ImageItem> {
        self.try_get(index)
    }

    fn len(&self) -> usize {
        self.files.len()
    }
}
