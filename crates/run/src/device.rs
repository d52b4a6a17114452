//! `--device cpu|wgpu|vulkan|cuda[:N]`, with a clear message when a backend is not compiled in.

use burn::tensor::Device;

/// Parses a device name. Fails with the cargo feature to enable when the backend is missing.
pub fn parse_device(name: &str) -> Result<Device, String> {
    let (kind, index) = match name.split_once(':') {
        Some((k, i)) => (k, Some(i.parse::<usize>().map_err(|_| format!("device '{name}': '{i}' is not a device index"))?)),
        None => (name, None),
    };
    let missing = |feature: &str| {
        format!("device '{name}' needs the `{feature}` cargo feature: rebuild with `--features {feature}` (cuda also needs network access at build time in Burn 0.22.1)")
    };
    match kind {
        "cpu" | "flex" => Ok(Device::flex()),
        "wgpu" => {
            #[cfg(feature = "wgpu")]
            return Ok(Device::wgpu(Default::default()));
            #[cfg(not(feature = "wgpu"))]
            Err(missing("wgpu"))
        }
        "vulkan" => {
            #[cfg(feature = "vulkan")]
            return Ok(Device::vulkan(Default::default()));
            #[cfg(not(feature = "vulkan"))]
            Err(missing("vulkan"))
        }
        "cuda" => {
            #[cfg(feature = "cuda")]
            return Ok(Device::cuda(index.unwrap_or(0)));
            #[cfg(not(feature = "cuda"))]
            {
                let _ = index;
                Err(missing("cuda"))
            }
        }
        other => Err(format!("unknown device '{other}': use cpu, wgpu, vulkan or cuda[:N]")),
    }
}
