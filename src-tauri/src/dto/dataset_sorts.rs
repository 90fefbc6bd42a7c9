//! The dataset list's orders as a typed union for the UI, so its sort menu is checked against the core's.

use brightrun_core::store::DatasetSort;
use serde::{Deserialize, Serialize};

/// An order of the dataset list; the names are the core's (`brightrun dataset list --sort`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetSortView {
    Newest,
    Oldest,
    Name,
    NameDesc,
    RecentlyUpdated,
    Largest,
    Smallest,
    MostExamples,
    FewestExamples,
    MostTokens,
    FewestTokens,
    BestQuality,
    WorstQuality,
    RecentlyUsed,
}

impl From<DatasetSortView> for DatasetSort {
    fn from(sort: DatasetSortView) -> Self {
        match sort {
            DatasetSortView::Newest => DatasetSort::Newest,
            DatasetSortView::Oldest => DatasetSort::Oldest,
            DatasetSortView::Name => DatasetSort::Name,
            DatasetSortView::NameDesc => DatasetSort::NameDesc,
            DatasetSortView::RecentlyUpdated => DatasetSort::RecentlyUpdated,
            DatasetSortView::Largest => DatasetSort::Largest,
            DatasetSortView::Smallest => DatasetSort::Smallest,
            DatasetSortView::MostExamples => DatasetSort::MostExamples,
            DatasetSortView::FewestExamples => DatasetSort::FewestExamples,
            DatasetSortView::MostTokens => DatasetSort::MostTokens,
            DatasetSortView::FewestTokens => DatasetSort::FewestTokens,
            DatasetSortView::BestQuality => DatasetSort::BestQuality,
            DatasetSortView::WorstQuality => DatasetSort::WorstQuality,
            DatasetSortView::RecentlyUsed => DatasetSort::RecentlyUsed,
        }
    }
}

impl From<DatasetSort> for DatasetSortView {
    fn from(sort: DatasetSort) -> Self {
        match sort {
            DatasetSort::Newest => Self::Newest,
            DatasetSort::Oldest => Self::Oldest,
            DatasetSort::Name => Self::Name,
            DatasetSort::NameDesc => Self::NameDesc,
            DatasetSort::RecentlyUpdated => Self::RecentlyUpdated,
            DatasetSort::Largest => Self::Largest,
            DatasetSort::Smallest => Self::Smallest,
            DatasetSort::MostExamples => Self::MostExamples,
            DatasetSort::FewestExamples => Self::FewestExamples,
            DatasetSort::MostTokens => Self::MostTokens,
            DatasetSort::FewestTokens => Self::FewestTokens,
            DatasetSort::BestQuality => Self::BestQuality,
            DatasetSort::WorstQuality => Self::WorstQuality,
            DatasetSort::RecentlyUsed => Self::RecentlyUsed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The UI sends the core's own names: each one round-trips through the core's parser.
    #[test]
    fn every_core_sort_crosses_by_its_core_name() {
        for sort in DatasetSort::ALL {
            let view = DatasetSortView::from(sort);
            let wire = serde_json::to_value(view).unwrap();
            assert_eq!(wire, serde_json::json!(sort.as_str()));
            assert_eq!(DatasetSort::from(view), sort);
        }
    }
}
