//! Face folders with an attributes CSV (FFHQ-style): `file,<attribute columns>`; an empty cell or
//! `-1` (or `NA`) means "unlabelled". Images are resized on load to the requested resolution.

use std::path::Path;

use burn::data::dataset::Dataset;

use crate::decode::{Resize, decode, parallel_map};
use crate::error::{DataError, Result};

/// How one attribute is read from the CSV.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeSpec {
    /// A categorical column; its values (sorted) become the classes.
    Categorical { column: String },
    /// A numeric column cut into bins: value v is class i when `edges[i-1] <= v < edges[i]`.
    Binned { column: String, name: String, edges: Vec<f64>, labels: Vec<String> },
}

impl AttributeSpec {
    pub fn categorical(column: &str) -> Self {
        Self::Categorical { column: column.to_string() }
    }

    fn column(&self) -> &str {
        match self {
            Self::Categorical { column } | Self::Binned { column, .. } => column,
        }
    }

    fn name(&self) -> &str {
        match self {
            Self::Categorical { column } => column,
            Self::Binned { name, .. } => name,
        }
    }
}

/// An attribute and its value names.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub values: Vec<String>,
}

/// One face: pixels (C×H×W u8) and one optional class per attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceItem {
    pub pixels: Vec<u8>,
    pub shape: [usize; 3],
    pub labels: Vec<Option<usize>>,
    pub file: String,
}

/// All faces decoded at one resolution.
#[derive(Debug, Clone)]
pub struct FaceDataset {
    items: Vec<FaceItem>,
    attributes: Vec<Attribute>,
}

fn split_csv(line: &str) -> Vec<String> {
    line.split(',').map(|f| f.trim().trim_matches('"').to_string()).collect()
}

fn unlabelled(v: &str) -> bool {
    v.is_empty() || v == "-1" || v == "NA"
}

impl FaceDataset {
    /// Reads `csv` (first column `file`, relative to `dir`) and decodes every listed image to
    /// `resolution`² RGB, in parallel.
    pub fn load(dir: &Path, csv: &Path, specs: &[AttributeSpec], resolution: u32) -> Result<Self> {
        let text = std::fs::read_to_string(csv).map_err(|e| {
            DataError::new(
                csv,
                format!(
                    "cannot read the attributes file: {e}. Expected a CSV `file,<attribute>,...` (empty or -1 = unlabelled) next to \
                     the images; for FFHQ get the 70 000 aligned images from https://github.com/NVlabs/ffhq-dataset \
                     (images1024x1024 or thumbnails128x128) and write the attribute labels (e.g. CLIP zero-shot, as in ZeroDIM) to that CSV"
                ),
            )
        })?;
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let (_, head) = lines.next().ok_or_else(|| DataError::new(csv, "empty attributes file"))?;
        let header = split_csv(head);
        let file_col = header.iter().position(|h| h == "file").ok_or_else(|| DataError::at(csv, "header", "no 'file' column"))?;
        let cols: Vec<usize> = specs
            .iter()
            .map(|s| {
                header.iter().position(|h| h == s.column()).ok_or_else(|| {
                    DataError::at(csv, "header", format!("no column '{}' (columns: {})", s.column(), header.join(", ")))
                })
            })
            .collect::<Result<_>>()?;
        let mut rows = Vec::new();
        for (lineno, line) in lines {
            let fields = split_csv(line);
            if fields.len() != header.len() {
                return Err(DataError::at(csv, format!("line {}", lineno + 1), format!("{} fields, but the header has {}", fields.len(), header.len())));
            }
            rows.push((lineno + 1, fields));
        }
        // Value names per attribute.
        let mut attributes = Vec::new();
        for (spec, &c) in specs.iter().zip(&cols) {
            let values = match spec {
                AttributeSpec::Categorical { .. } => {
                    let mut v: Vec<String> = rows.iter().map(|(_, f)| f[c].clone()).filter(|v| !unlabelled(v)).collect();
                    v.sort();
                    v.dedup();
                    v
                }
                AttributeSpec::Binned { labels, edges, .. } => {
                    if labels.len() != edges.len() + 1 {
                        return Err(DataError::at(csv, spec.name(), format!("{} bin labels for {} edges (need edges + 1)", labels.len(), edges.len())));
                    }
                    labels.clone()
                }
            };
            attributes.push(Attribute { name: spec.name().to_string(), values });
        }
        let mut labelled = Vec::new();
        for (lineno, fields) in &rows {
            let mut labels = Vec::new();
            for ((spec, &c), attr) in specs.iter().zip(&cols).zip(&attributes) {
                let v = &fields[c];
                labels.push(if unlabelled(v) {
                    None
                } else {
                    Some(match spec {
                        AttributeSpec::Categorical { .. } => attr.values.iter().position(|x| x == v).expect("value collected above"),
                        AttributeSpec::Binned { edges, .. } => {
                            let x: f64 = v.parse().map_err(|_| DataError::at(csv, format!("line {lineno}"), format!("'{v}' in column '{}' is not a number", spec.column())))?;
                            edges.iter().filter(|&&e| x >= e).count()
                        }
                    })
                });
            }
            labelled.push((fields[file_col].clone(), labels));
        }
        let items = parallel_map(&labelled, |(file, labels)| {
            let path = dir.join(file);
            if !path.exists() {
                return Err(DataError::at(csv, format!("file {file}"), format!("listed image {} does not exist", path.display())));
            }
            let (pixels, shape) = decode(&path, Resize::Square(resolution), 3)?;
            Ok(FaceItem { pixels, shape, labels: labels.clone(), file: file.clone() })
        })?;
        Ok(Self { items, attributes })
    }

    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    pub fn items(&self) -> &[FaceItem] {
        &self.items
    }

    /// The bundled face portraits (`assets/faces`) with gender, age group, ethnicity and
    /// expression. Age groups: < 25, 25–34, ≥ 35 years.
    pub fn bundled(resolution: u32) -> Result<Self> {
        let dir = crate::assets::asset_dir("faces")?;
        let specs = [
            AttributeSpec::categorical("gender"),
            AttributeSpec::Binned {
                column: "age".into(),
                name: "age_group".into(),
                edges: vec![25.0, 35.0],
                labels: vec!["<25".into(), "25-34".into(), ">=35".into()],
            },
            AttributeSpec::categorical("ethnicity"),
            AttributeSpec::categorical("expression"),
        ];
        Self::load(&dir, &dir.join("attributes.csv"), &specs, resolution)
    }
}

impl Dataset<FaceItem, DataError> for FaceDataset {
    fn get(&self, index: usize) -> Result<FaceItem> {
        Ok(self.items[index].clone())
    }

    fn len(&self) -> usize {
        self.items.len()
    }
}
