// What the 8.x and 9.x plugins that register `GET /` share: the cluster service the handler reads the cluster's id from.
package fmrecsys;

import java.util.Collection;
import java.util.List;

import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.Plugin;

public abstract class RootInfoPluginBase extends Plugin implements ActionPlugin {
    protected volatile ClusterService clusterService;

    @Override
    public Collection<?> createComponents(PluginServices services) {
        clusterService = services.clusterService();
        return List.of();
    }
}
