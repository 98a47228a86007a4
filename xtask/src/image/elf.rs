//! What a dynamically linked ELF program asks of the loader, read from its program headers
//! and dynamic section: the interpreter (`PT_INTERP`), the libraries it needs
//! (`DT_NEEDED`) and the glibc symbol versions its dynamic strings name.

/// The dynamic linking facts of one ELF file.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Linking {
    /// The program interpreter (the loader), e.g. `/lib64/ld-linux-x86-64.so.2`; `None`
    /// for a shared library or a static program.
    pub(crate) interp: Option<String>,
    /// The `DT_NEEDED` library names, in order.
    pub(crate) needed: Vec<String>,
    /// Every `GLIBC_…` string of the dynamic string table: the versions a program needs,
    /// or, for libc itself, the versions it defines.
    pub(crate) glibc_versions: Vec<String>,
}

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;
const DT_STRSZ: u64 = 10;

/// Whether `bytes` start like an ELF file.
pub(crate) fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

/// Reads the linking facts of a 64-bit little-endian ELF file.
pub(crate) fn read(bytes: &[u8]) -> Result<Linking, String> {
    if !is_elf(bytes) || bytes.get(4) != Some(&2) || bytes.get(5) != Some(&1) {
        return Err("not a 64-bit little-endian ELF file".into());
    }
    let phoff = u64_at(bytes, 0x20)?;
    let phentsize = u64::from(u16_at(bytes, 0x36)?);
    let phnum = u64::from(u16_at(bytes, 0x38)?);
    let mut loads = Vec::new();
    let (mut dynamic, mut linking) = (None, Linking::default());
    for i in 0..phnum {
        let at = to_usize(phoff + i * phentsize)?;
        let (offset, vaddr, filesz) = (u64_at(bytes, at + 8)?, u64_at(bytes, at + 16)?, u64_at(bytes, at + 32)?);
        match u32_at(bytes, at)? {
            PT_LOAD => loads.push((offset, vaddr, filesz)),
            PT_DYNAMIC => dynamic = Some((offset, filesz)),
            PT_INTERP => linking.interp = Some(c_string(slice(bytes, offset, filesz)?)?),
            _ => {}
        }
    }
    let Some((offset, size)) = dynamic else { return Ok(linking) };
    let entries = slice(bytes, offset, size)?;
    let (mut needed, mut strtab, mut strsz) = (Vec::new(), None, None);
    for entry in entries.chunks_exact(16) {
        let (tag, value) = (u64_at(entry, 0)?, u64_at(entry, 8)?);
        match tag {
            0 => break,
            DT_NEEDED => needed.push(value),
            DT_STRTAB => strtab = Some(value),
            DT_STRSZ => strsz = Some(value),
            _ => {}
        }
    }
    let (Some(strtab), Some(strsz)) = (strtab, strsz) else {
        return Err("a dynamic section without a string table".into());
    };
    let file_offset = loads
        .iter()
        .find(|(_, vaddr, filesz)| (*vaddr..vaddr + filesz).contains(&strtab))
        .map(|(offset, vaddr, _)| strtab - vaddr + offset)
        .ok_or("the dynamic string table is outside every loaded segment")?;
    let strings = slice(bytes, file_offset, strsz)?;
    for name in needed {
        linking
            .needed
            .push(c_string(strings.get(to_usize(name)?..).ok_or("a DT_NEEDED name outside the string table")?)?);
    }
    linking.glibc_versions = strings
        .split(|&b| b == 0)
        .filter(|s| s.starts_with(b"GLIBC_") && s.len() > 6)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    linking.glibc_versions.sort();
    linking.glibc_versions.dedup();
    Ok(linking)
}

fn to_usize(v: u64) -> Result<usize, String> {
    usize::try_from(v).map_err(|_| format!("offset {v} is too large"))
}

fn slice(bytes: &[u8], offset: u64, size: u64) -> Result<&[u8], String> {
    let start = to_usize(offset)?;
    let end = start.checked_add(to_usize(size)?).ok_or("a segment past the end of the file")?;
    bytes.get(start..end).ok_or_else(|| "a segment past the end of the file".into())
}

fn c_string(bytes: &[u8]) -> Result<String, String> {
    let end = bytes.iter().position(|&b| b == 0).ok_or("an unterminated string")?;
    String::from_utf8(bytes[..end].to_vec()).map_err(|_| "a name that is not UTF-8".into())
}

fn u16_at(bytes: &[u8], at: usize) -> Result<u16, String> {
    bytes.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]])).ok_or_else(|| "a truncated ELF file".into())
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, String> {
    let b: [u8; 4] = bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).ok_or("a truncated ELF file")?;
    Ok(u32::from_le_bytes(b))
}

fn u64_at(bytes: &[u8], at: usize) -> Result<u64, String> {
    let b: [u8; 8] = bytes.get(at..at + 8).and_then(|b| b.try_into().ok()).ok_or("a truncated ELF file")?;
    Ok(u64::from_le_bytes(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_test_program_needs_libc_through_the_loader() {
        let bytes = std::fs::read(std::env::current_exe().expect("exe")).expect("read");
        let linking = read(&bytes).expect("an ELF file");
        assert_eq!(linking.interp.as_deref(), Some("/lib64/ld-linux-x86-64.so.2"));
        assert!(linking.needed.iter().any(|n| n == "libc.so.6"), "{:?}", linking.needed);
        assert!(linking.glibc_versions.iter().any(|v| v == "GLIBC_2.2.5"), "{:?}", linking.glibc_versions);
    }

    #[test]
    fn other_files_are_refused() {
        assert!(read(b"#!/bin/sh\n").is_err());
        assert!(read(b"\x7fELF\x01\x01").is_err(), "32-bit");
        assert!(read(b"\x7fELF\x02\x01\x01").is_err(), "truncated");
    }
}
