/* SPDX-License-Identifier: Apache-2.0 */

CREATE INDEX datasetversion_datasetid_idx ON dataset_versions (dataset_uuid);
