//! `payrun packs`: the rule packs, listed, or one printed as TOML.

/// Arguments of `payrun packs`.
#[derive(Debug, clap::Args)]
pub struct PacksArgs {
    /// A pack to print (as the TOML `pack = "NAME"` applies); without it,
    /// every pack is listed.
    pub name: Option<String>,
}

pub fn run(args: PacksArgs) -> anyhow::Result<()> {
    use payrun::rules::packs;
    match args.name {
        Some(name) => {
            let text = packs::text(&name).ok_or_else(|| {
                let names: Vec<&str> = packs::ALL.iter().map(|(n, _)| *n).collect();
                anyhow::anyhow!(
                    "no pack is called \"{name}\"; there are: {}",
                    names.join(", ")
                )
            })?;
            print!("{text}");
        }
        None => {
            println!("{:<10} {:<24} checked", "pack", "jurisdiction");
            for (name, text) in packs::ALL {
                let (jurisdiction, checked) = packs::about(text);
                println!("{name:<10} {jurisdiction:<24} {checked}");
            }
            println!(
                "\nUse one in an overtime rule: [overtime_rules.X] pack = \"NAME\" (its own keys win); \
                 `payrun packs NAME` prints it with its sources."
            );
        }
    }
    Ok(())
}
