//! Finding where an object was read from what a report knows of it: its kind and id.

use super::{App, Collection, Guid, IdIndex, Items, Loc, ObjKind, Tenant};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

impl Tenant {
    /// Where each object of `objects` (kind and id, as findings name them) was read: `None`
    /// for an object the snapshot does not hold or whose place cannot be told. Lookups go
    /// through the id indexes; applications and service principals, which rules do not look
    /// up by id, get an index here only when asked for.
    pub fn locate<'a>(
        &self,
        objects: impl IntoIterator<Item = (ObjKind, &'a str)>,
    ) -> Vec<Option<Loc>> {
        let objects: Vec<(ObjKind, &str)> = objects.into_iter().collect();
        let asked = |kind| objects.iter().any(|o| o.0 == kind);
        let apps = asked(ObjKind::Application).then(|| by_id(&self.applications.items));
        let sps = asked(ObjKind::ServicePrincipal).then(|| by_id(&self.service_principals.items));
        // Each lookup is a cache miss or two in an index of millions: on every core.
        objects
            .par_iter()
            .map(|&(kind, id)| {
                let guid = || Guid::parse(id);
                match kind {
                    ObjKind::User => at_index(&self.user_by_id, &self.users, |u| u.id, guid()?),
                    ObjKind::Group => at_index(&self.group_by_id, &self.groups, |g| g.id, guid()?),
                    ObjKind::Contact => {
                        at_index(&self.contact_by_id, &self.contacts, |c| c.id, guid()?)
                    }
                    ObjKind::SubscribedSku => {
                        at_index(&self.sku_by_id, &self.skus, |s| s.sku_id, guid()?)
                    }
                    ObjKind::Domain => {
                        let i = *self.domain_by_name.get(&id.to_lowercase())?;
                        self.domains.locs.get(i as usize).copied()
                    }
                    ObjKind::Application => {
                        let i = *apps.as_ref()?.get(&guid()?)?;
                        self.applications.locs.get(i as usize).copied()
                    }
                    ObjKind::ServicePrincipal => {
                        let i = *sps.as_ref()?.get(&guid()?)?;
                        self.service_principals.locs.get(i as usize).copied()
                    }
                    ObjKind::Policy => self
                        .policies
                        .locs
                        .iter()
                        .find(|(k, _)| *k == id)
                        .map(|&(_, loc)| loc),
                    ObjKind::Tenant => self.info.tenant_loc,
                }
            })
            .collect()
    }
}

/// The place of the item of `c` with id `id`, found through `index`.
fn at_index<T>(
    index: &IdIndex,
    c: &Collection<T>,
    key: impl Fn(&T) -> Guid,
    id: Guid,
) -> Option<Loc> {
    let i = index.get(&c.items, key, id)?;
    c.locs.get(i as usize).copied()
}

/// Applications or service principals by id (ids are unique: the loader checks).
fn by_id(items: &Items<App>) -> FxHashMap<Guid, u32> {
    items.enumerate().map(|(i, a)| (a.id, i as u32)).collect()
}
